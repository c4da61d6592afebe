"""Every error and warning sentence of the pipeline, English then 简体中文, by stable code.

Codes are ``area.what``; a code never changes meaning (clients may match on it). Rendering and
the rules the sentences follow are in ``pipelines.errors.text``.
"""

from __future__ import annotations

from pipelines.errors.catalogue_steps import STEP_TEXT

_READ_AUDIO = "We could not read this audio file. Try WAV, MP3 or M4A."
_READ_AUDIO_ZH = "无法读取这个音频文件。请使用 WAV、MP3 或 M4A 格式。"

#: Code -> (English template, Chinese template).
ERROR_TEXT: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ the photo
    "photo.empty": (
        "The photo is empty (0 bytes); choose a JPEG, PNG or WebP photo.",
        "照片是空的（0 字节）；请选择一张 JPEG、PNG 或 WebP 照片。",
    ),
    "photo.not_found": (
        "There is no photo file at {path}; check the path and try again.",
        "找不到照片文件 {path}；请检查路径后再试。",
    ),
    "photo.cannot_open": (
        "The photo file {path} cannot be opened ({reason}); check that it is readable and try "
        "again.",
        "无法打开照片文件 {path}；请确认它可以读取，然后再试。",
    ),
    "photo.wrong_type": (
        "A photo must be a file path, image bytes, a PIL image or a numpy array, not {kind}.",
        "照片必须是文件路径、图像字节、PIL 图像或 numpy 数组，不能是 {kind}。",
    ),
    "photo.file_too_big": (
        "The photo is {mib} MiB, over the {most_mib:.3g} MiB limit; save it smaller (for "
        "example as a JPEG) and try again.",
        "照片有 {mib} MiB，超过了 {most_mib:.3g} MiB 的上限；"
        "请把它存得小一些（例如存成 JPEG）再试。",
    ),
    "photo.too_many_pixels": (
        "The photo is {width} x {height} pixels ({megapixels:.0f} megapixels), over the "
        "{most_megapixels:.0f}-megapixel limit; resize it and try again.",
        "照片是 {width} × {height} 像素（{megapixels:.0f} 百万像素），超过了 "
        "{most_megapixels:.0f} 百万像素的上限；请缩小后再试。",
    ),
    "photo.declared_too_big": (
        "The photo declares a size over the {most_megapixels:.0f}-megapixel limit (a possible "
        "decompression bomb); resize it and try again.",
        "照片声明的尺寸超过了 {most_megapixels:.0f} 百万像素的上限（可能是恶意文件）；"
        "请缩小后再试。",
    ),
    "photo.unreadable": (
        "This file is not an image we can read (it may be damaged, cut short or another kind of "
        "file); try a JPEG, PNG or WebP photo (GIF, BMP and TIFF are read too; other formats, "
        "such as ICO or HEIC, are not).",
        "这个文件不是能读取的图片（可能已损坏、不完整，或者是别的类型的文件）；请换一张 JPEG、PNG "
        "或 WebP 照片（GIF、BMP 和 TIFF 也可以；ICO、HEIC 等其他格式不行）。",
    ),
    "photo.array_dtype": (
        "A photo array must hold uint8 pixels, not {dtype}.",
        "照片数组的像素必须是 uint8，不能是 {dtype}。",
    ),
    "photo.array_shape": (
        "A photo array must have shape (H, W), (H, W, 3) or (H, W, 4), not {shape}.",
        "照片数组的形状必须是 (H, W)、(H, W, 3) 或 (H, W, 4)，不能是 {shape}。",
    ),
    "photo.too_small": (
        "The photo is only {width} x {height} pixels, too small to find a face in; use a photo "
        "at least {least} pixels on each side (ideally 256 or more).",
        "照片只有 {width} × {height} 像素，太小了，找不到人脸；请使用每边至少 {least} 像素的照片"
        "（最好 256 像素以上）。",
    ),
    "photo.too_thin": (
        "The photo is {width} x {height} pixels, too long and thin to find a face in; crop it "
        "closer to the person and try again.",
        "照片是 {width} × {height} 像素，太细长了，找不到人脸；请裁剪得离人近一些再试。",
    ),
    # ------------------------------------------------------------------ faces
    "face.none": (
        "No human face was found in this photo. Try a photo where a person's face is clearly "
        "visible, facing the camera, and not too small.",
        "这张照片里没有找到人脸。请换一张人脸清晰、正对镜头、不太小的照片。",
    ),
    "face.no_such": (
        "There is no face {index} in this photo; it has {count} face(s), numbered 0 to {last}.",
        "这张照片里没有编号为 {index} 的脸；它有 {count} 张脸，编号从 0 到 {last}。",
    ),
    "face.no_such_choose": (
        "There is no face number {index} in this photo; choose {valid}.",
        "这张照片里没有编号为 {index} 的脸；请选择 {valid}。",
    ),
    "face.too_many_speakers": (
        "{speakers} people speak in this conversation; at most {most} faces can be animated at "
        "once. Give the turns to fewer people.",
        "这段对话里有 {speakers} 个人说话，但一次最多只能让 {most} 张脸动起来。"
        "请把台词分给更少的人。",
    ),
    # ------------------------------------------------------------------ the line
    "text.not_text": (
        "The line must be text. Please type something for them to say.",
        "台词必须是文字。请输入要让他们说的话。",
    ),
    "text.empty": (
        "Please type something for them to say.",
        "请输入要让他们说的话。",
    ),
    "text.too_long": (
        "That line is {chars} characters; the limit is {most}. Shorten it and try again.",
        "这句台词有 {chars} 个字符，上限是 {most} 个。请缩短后再试。",
    ),
    "language.unknown": (
        "Unknown language {lang!r}; choose one of: {choices}.",
        "未知的语言 {lang!r}；请从这些里选择：{choices}。",
    ),
    "mood.unknown": (
        "Unknown mood {mood!r}; choose one of: {choices}.",
        "未知的情绪 {mood!r}；请从这些里选择：{choices}。",
    ),
    "chat.ended": (
        "This chat has ended (it was idle too long, or never started). Start a new chat with "
        "the photo.",
        "这次聊天已经结束（闲置太久，或者还没有开始）。请用这张照片开始新的聊天。",
    ),
    "name.refused": (
        "That name cannot be used; please choose another.",
        "这个名字不能使用；请换一个。",
    ),
    "duration.video": (
        "The video lasts {seconds:.0f} s; the limit is {most:.0f} s. Use a shorter line.",
        "视频长 {seconds:.0f} 秒，上限是 {most:.0f} 秒。请用短一些的台词。",
    ),
    "duration.line": (
        "The spoken line lasts {seconds:.0f} s; the limit is {most:.0f} s. Use a shorter line.",
        "说出的台词长 {seconds:.0f} 秒，上限是 {most:.0f} 秒。请用短一些的台词。",
    ),
    "duration.audio": (
        "The audio lasts {seconds:.0f} s; the limit is {most:.0f} s. Use a shorter line.",
        "音频长 {seconds:.0f} 秒，上限是 {most:.0f} 秒。请用短一些的录音。",
    ),
    "duration.answer": (
        "The answer lasts {seconds:.0f} s; the limit is {most:.0f} s. Use a shorter line.",
        "回答长 {seconds:.0f} 秒，上限是 {most:.0f} 秒。请问一个简短些的问题。",
    ),
    "duration.conversation": (
        "The conversation lasts {seconds:.0f} s; the limit is {most:.0f} s. Use fewer or "
        "shorter turns.",
        "对话长 {seconds:.0f} 秒，上限是 {most:.0f} 秒。请减少句数，或把每句写短一些。",
    ),
    # ------------------------------------------------------------------ audio
    "audio.not_found": (
        "The audio file {path} was not found.",
        "找不到音频文件 {path}。",
    ),
    "audio.empty": ("The audio file is empty. " + _READ_AUDIO, "音频文件是空的。" + _READ_AUDIO_ZH),
    "audio.file_too_big": (
        "The audio file is {mib} MiB; the limit is {most_mib:.3g} MiB. Upload a shorter or "
        "compressed clip.",
        "音频文件有 {mib} MiB，上限是 {most_mib:.3g} MiB。请上传更短或压缩过的片段。",
    ),
    "audio.too_long": (
        "The audio is {seconds:.1f} s long; the limit is {most:.0f} s. Trim it and try again.",
        "音频长 {seconds:.1f} 秒，上限是 {most:.0f} 秒。请剪短后再试。",
    ),
    "audio.too_long_unknown": (
        "The audio is longer than {over:.0f} s; the limit is {most:.0f} s. Trim it and try again.",
        "音频超过 {over:.0f} 秒，上限是 {most:.0f} 秒。请剪短后再试。",
    ),
    "audio.decode_timeout": (
        "Decoding the audio took longer than {seconds:.0f} s. Try a shorter clip or a WAV file.",
        "读取音频用了超过 {seconds:.0f} 秒。请换一段更短的录音，或用 WAV 文件。",
    ),
    "audio.no_sound_track": (
        "This file has no sound track. Upload an audio file (WAV, MP3 or M4A) or a video with "
        "sound.",
        "这个文件没有声音。请上传音频文件（WAV、MP3 或 M4A），或带声音的视频。",
    ),
    "audio.unreadable": (_READ_AUDIO, _READ_AUDIO_ZH),
    "audio.no_samples": (
        "The audio file holds no sound. " + _READ_AUDIO,
        "音频文件里没有声音。" + _READ_AUDIO_ZH,
    ),
    "audio.silent": (
        "The audio is silent (or almost silent). Upload a clip where someone can be heard "
        "speaking.",
        "这段音频是静音的（或几乎听不见）。请上传能听到有人说话的片段。",
    ),
    "audio.no_words": (
        "No words were heard in the recording. Speak clearly, in English or Mandarin, or type "
        "the question.",
        "录音里没有听到说话。请用普通话或英语清楚地说，或者直接输入问题。",
    ),
    # ------------------------------------------------------------------ voices
    "voice.unknown": (
        "Unknown voice {name!r}; choose one of: {choices}.",
        "未知的声音 {name!r}；请从这些里选择：{choices}。",
    ),
    "voice.none_of_kind": (
        "There is no {kind} voice for {language!r}; choose one of: {choices}.",
        "{language!r} 没有 {kind} 这种声音；请从这些里选择：{choices}。",
    ),
    "voice.unknown_in_engine": (
        "Unknown voice {name!r}; this speech engine has: {choices}.",
        "未知的声音 {name!r}；这个语音引擎有：{choices}。",
    ),
    "voice.unknown_mandarin": (
        "Unknown voice {name!r}; the Mandarin voices are: {choices}.",
        "未知的声音 {name!r}；普通话的声音有：{choices}。",
    ),
    "voice.no_speaker": (
        "Speaker {speaker} does not exist; this voice has speakers 0 to {last}.",
        "没有编号为 {speaker} 的说话人；这个声音的说话人编号是 0 到 {last}。",
    ),
    "voice.rate_range": (
        "Speaking rate {rate} is out of range; choose {least} to {most}.",
        "语速 {rate} 超出了范围；请选择 {least} 到 {most}。",
    ),
    "voice.pitch_range": (
        "Pitch shift {pitch} semitones is out of range; choose {least:.0f} to {most:.0f}.",
        "音高调整 {pitch} 个半音超出了范围；请选择 {least:.0f} 到 {most:.0f}。",
    ),
    "voice.formant_range": (
        "Formant factor {factor} is out of range; choose {least} to {most}.",
        "共振峰系数 {factor} 超出了范围；请选择 {least} 到 {most}。",
    ),
    "voice.cannot_say": (
        "The voice cannot say this text: it speaks {language!r} and reads {alphabet} letters, "
        "and the text has none (only emoji, symbols or another alphabet). Write the line in "
        "words of the voice's language.",
        "这个声音读不了这段文字：它只会读这种语言的文字，而这段文字里一个也没有（只有表情、符号或"
        "别的文字）。请用这个声音的语言来写台词。",
    ),
    "voice.cannot_say_english": (
        "The voice cannot say this text: it reads English words, and the text has none (only "
        "emoji, symbols or another alphabet). Write the line in English words.",
        "这个声音读不了这段文字：它只读英文单词，而这段文字里没有英文（只有表情、符号或别的文字）。"
        "请用英文写台词，或选择中文声音。",
    ),
    "voice.nothing_to_say_mandarin": (
        "The Mandarin voice found nothing to say in this text. Write the line in Chinese "
        "characters (English words may be mixed in).",
        "普通话声音在这段文字里找不到可以读的内容。请用汉字写台词（可以夹杂英文单词）。",
    ),
    "voice.reference_missing": (
        "The reference recording {path} does not exist.",
        "参考录音 {path} 不存在。",
    ),
    "voice.speaker_count": (
        "Speaker {speaker} does not exist; this voice has {count} speaker(s).",
        "没有编号为 {speaker} 的说话人；这个声音有 {count} 个说话人。",
    ),
    "speech.no_text": (
        "There is no text to speak. Type a line for the person to say.",
        "没有可以读的文字。请输入要让这个人说的话。",
    ),
    "speech.text_too_long": (
        "The text is {chars} characters; the limit is {most}. Shorten the line.",
        "这段文字有 {chars} 个字符，上限是 {most} 个。请缩短台词。",
    ),
    "speech.too_long": (
        "The speech for this text runs past the {most:.0f} s limit. Shorten the line or speak "
        "faster.",
        "这段文字读出来超过了 {most:.0f} 秒的上限。请缩短台词，或调快语速。",
    ),
    "speech.no_sound": (
        "The voice produced no sound for this text. Try other words.",
        "这个声音没有为这段文字发出声音。请换一些词试试。",
    ),
}

#: Words used inside the sentences above: code -> (English, Chinese).
PHRASES: dict[str, tuple[str, str]] = {
    "step.faces": ("Reading the photo and finding the faces", "读取照片并寻找人脸"),
    "step.scene": ("Describing the photo", "描述照片"),
    "step.dialogue": ("Writing the line", "写台词"),
    "step.speech": ("Making the voice", "生成声音"),
    "step.animate": ("Animating the faces and encoding the video", "让脸动起来并生成视频"),
    "step.other": ("The {stage} step", "“{stage}”这一步"),
    "where.script": ("The script", "剧本"),
    "where.script_file": ("The script {name}", "剧本 {name}"),
    "where.conversation": ("The conversation", "对话"),
    "stage.faces": ("face-finding", "找人脸"),
    "stage.scene": ("scene-reading", "看图"),
    "stage.dialogue": ("line-writing", "写台词"),
    "stage.speech": ("voice", "声音"),
    "stage.animate": ("animation", "动画"),
    "stage.portrait": ("portrait", "画像"),
}

ERROR_TEXT.update(STEP_TEXT)
