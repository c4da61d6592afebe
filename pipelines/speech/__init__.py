"""Speech in and out: voices that speak a line with phoneme timings, and whisper for questions.

Modules:
    piper_voice: ``PiperSpeech``, the offline default voice (Piper ``en_US-joe-medium``) with
        per-phoneme timings and one subtitle cue per sentence.
    timing: phoneme timings from per-symbol sample counts, shared by the voices.
    asr: spoken questions to text (faster-whisper).
"""
