"""Error sentences of conversations, the render's steps and the models, English then 简体中文.

Part of ``pipelines.errors.catalogue`` (which merges it into ``ERROR_TEXT``), split off to keep
each file readable.
"""

from __future__ import annotations

#: Code -> (English template, Chinese template).
STEP_TEXT: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- conversations
    "conversation.two_faces": (
        "A conversation needs at least two people in the photo; this photo has {faces} "
        "face(s). Use 'render' to make one person speak.",
        "多人对话需要照片里至少有两个人；这张照片有 {faces} 张脸。只有一个人时请用“一个人”。",
    ),
    "conversation.turns_range": (
        "Ask for between {least} and {most} turns, not {turns}.",
        "请要求 {least} 到 {most} 句，而不是 {turns} 句。",
    ),
    "script.not_list": (
        "{where} must be a list of turns like "
        '[{{"face": 0, "text": "Hello!"}}, {{"face": 1, "text": "Hi there."}}].',
        '{where}必须是一串台词，例如 [{{"face": 0, "text": "你好！"}}, '
        '{{"face": 1, "text": "你好呀。"}}]。',
    ),
    "script.turns_range": (
        "{where} has {turns} turns; write between {least} and {most}.",
        "{where}有 {turns} 句；请写 {least} 到 {most} 句。",
    ),
    "script.turn_fields": (
        'Turn {turn} needs a "face" (a face number) and a "text".',
        '第 {turn} 句需要 "face"（脸的编号）和 "text"（台词）。',
    ),
    "script.turn_face_type": (
        "Turn {turn}: the face must be a whole number such as 0 or 1, not {face!r}.",
        "第 {turn} 句：脸的编号必须是整数，例如 0 或 1，不能是 {face!r}。",
    ),
    "script.turn_no_face": (
        "Turn {turn}: there is no face {face}; the photo has {faces} face(s), numbered 0 to "
        "{last}.",
        "第 {turn} 句：没有编号为 {face} 的脸；照片有 {faces} 张脸，编号从 0 到 {last}。",
    ),
    "script.turn_negative_face": (
        "Turn {turn}: there is no face {face}; faces are numbered from 0.",
        "第 {turn} 句：没有编号为 {face} 的脸；脸从 0 开始编号。",
    ),
    "script.turn_text": ("Turn {turn}: {problem}", "第 {turn} 句：{problem}"),
    "script.not_json_yaml": (
        "The script is not valid JSON or YAML: {detail}",
        "剧本不是有效的 JSON 或 YAML。",
    ),
    "script.line_no_person": (
        "Line {line} of the script does not start with a person's number. Write one turn "
        "per line, like '1: Hello!' then '2: Hi there.'",
        "剧本第 {line} 行没有以人的编号开头。请每行写一句，例如“1: 你好！”然后“2: 你好呀。”",
    ),
    "script.empty": (
        "The script is empty. Write one turn per line, like '1: Hello!'.",
        "剧本是空的。请每行写一句，例如“1: 你好！”。",
    ),
    "script.numbered_from_one": (
        "People are numbered from 1 in a typed script ('1: Hello!').",
        "在输入的剧本里，人从 1 开始编号（“1: 你好！”）。",
    ),
    "script.no_person": (
        "There is no person {person} in this photo; it has {faces}, numbered 1 to {faces} on "
        "the photo.",
        "这张照片里没有第 {person} 个人；照片上有 {faces} 个人，编号从 1 到 {faces}。",
    ),
    "script.file_missing": (
        "The script file {path} does not exist.",
        "剧本文件 {path} 不存在。",
    ),
    "script.file_not_text": (
        "The script file {name} cannot be read as UTF-8 text.",
        "剧本文件 {name} 不能作为 UTF-8 文本读取。",
    ),
    "script.file_invalid": (
        "The script file {name} is not valid {kind}: {detail}",
        "剧本文件 {name} 不是有效的 {kind}。",
    ),
    "timeline.no_turns": (
        "A conversation needs at least one turn and one speech per turn.",
        "对话至少需要一句，且每句都要有声音。",
    ),
    "timeline.negative_gap": (
        "The gap between turns cannot be negative ({gap} s).",
        "两句之间的间隔不能是负数（{gap} 秒）。",
    ),
    # ---------------------------------------------------------------- steps
    "timeout.step": (
        "{what} took longer than the {seconds:g} s limit per step ({stage}), so it was "
        "stopped. Try a smaller photo or a shorter line, or try again in a moment.",
        "“{what}”超过了每一步 {seconds:g} 秒的时间上限，已经停止。"
        "请换一张小一些的照片或短一些的台词，或者稍后再试。",
    ),
    "cancelled": ("Cancelled; nothing was kept.", "已取消；没有保留任何内容。"),
    "motion.no_frames": (
        "A video needs at least one frame and a positive frame rate (got {frames} frames at "
        "{fps} fps).",
        "视频至少需要一帧和正的帧率（现在是 {frames} 帧、每秒 {fps} 帧）。",
    ),
    "motion.head_shape": (
        "Head motion must be a (T, 3) array, got shape {shape}.",
        "头部动作必须是 (T, 3) 数组，现在的形状是 {shape}。",
    ),
    "motion.empty_curve": (
        "The motion of face {face} has an empty curve.",
        "第 {face} 张脸的动作曲线是空的。",
    ),
    "motion.not_finite": (
        "The motion of face {face} has non-finite values.",
        "第 {face} 张脸的动作里有无效的数值。",
    ),
    "animate.photo_array": (
        "The photo must be an (H, W, 3) uint8 RGB array, got {shape} {dtype}.",
        "照片必须是 (H, W, 3) 的 uint8 RGB 数组，现在是 {shape} {dtype}。",
    ),
    "animate.negative_frames": (
        "The number of frames cannot be negative ({frames}).",
        "帧数不能是负数（{frames}）。",
    ),
    "animate.no_face_for_motion": (
        "A motion is for face {face}, but the faces given are {faces}.",
        "有一段动作属于第 {face} 张脸，但给出的脸是 {faces}。",
    ),
    "animate.face_failed": (
        "Face {face} cannot be animated: {detail}",
        "第 {face} 张脸无法动起来。请换一张这个人的脸更清楚的照片。",
    ),
    "video.cannot_write_folder": (
        "Cannot write the video to {folder}: {reason}. Choose an output folder you can write to.",
        "无法把视频写到 {folder}。请选择一个可以写入的文件夹。",
    ),
    "video.cannot_write": (
        "Cannot write the video to {path}: {reason}.",
        "无法把视频写到 {path}。",
    ),
    "video.cannot_start": (
        "Cannot start ffmpeg ({program}): {reason}. Reinstall the imageio-ffmpeg package.",
        "视频编码器无法启动。请重新安装 imageio-ffmpeg。",
    ),
    "video.stopped_reading": (
        "Video encoding failed: ffmpeg stopped reading frames. ffmpeg said:\n{tail}",
        "生成视频失败：编码器中途停止了读取画面。请再试一次。",
    ),
    "video.stopped_early": (
        "Video encoding failed: ffmpeg stopped early. ffmpeg said:\n{tail}",
        "生成视频失败：编码器提前停止了。请再试一次。",
    ),
    "video.exit_code": (
        "Video encoding failed: ffmpeg exited with code {code}. ffmpeg said:\n{tail}",
        "生成视频失败：编码器出错退出（代码 {code}）。请再试一次。",
    ),
    # ---------------------------------------------------------------- the command line
    "cli.no_photo_file": (
        "The photo {path} does not exist or is not a file.",
        "照片 {path} 不存在，或者不是一个文件。",
    ),
    "cli.no_audio_file": (
        "The audio file {path} does not exist or is not a file.",
        "音频文件 {path} 不存在，或者不是一个文件。",
    ),
    "cli.no_recording_file": (
        "The recording {path} does not exist or is not a file.",
        "录音 {path} 不存在，或者不是一个文件。",
    ),
    "cli.photo_or_describe": (
        "Give either a photo or {option} TEXT (one of the two).",
        "请给出一张照片，或者用 {option} 描述一个人（二者选一）。",
    ),
    "cli.voice_choice": (
        "{option} {choice!r}: write N=NAME with N a face number, or NAME.",
        "{option} {choice!r}：请写成“脸的编号=声音名”，或者只写声音名。",
    ),
    "cli.no_words": (
        "No words were heard in {name}; try again or type.",
        "在 {name} 里没有听到说话；请再试一次，或者直接打字。",
    ),
    "cli.workers": (
        "{option} must be 0 (one per core) or more.",
        "{option} 必须是 0（每个处理器核心一个）或更大的整数。",
    ),
    # ---------------------------------------------------------------- models
    "model.unknown_size": (
        "Unknown Qwen model size {size!r}; choose one of: {choices}.",
        "未知的 Qwen 模型大小 {size!r}；请从这些里选择：{choices}。",
    ),
    "model.threads": (
        "The chat model option n_threads must be a whole number of at least 1; got {value!r}.",
        "对话模型的 n_threads 选项必须是不小于 1 的整数；现在是 {value!r}。",
    ),
    "chat_model.failed": (
        "The chat model could not write a reply: {detail}",
        "对话模型没能写出回答。请再试一次。",
    ),
    "chat_model.bad_shape": (
        "The chat model returned a reply in an unexpected shape.",
        "对话模型返回的回答格式不对。请再试一次。",
    ),
    "chat_server.bad_shape": (
        "The chat server at {url} answered in an unexpected shape.",
        "对话服务器返回的回答格式不对。",
    ),
    "chat_server.http": (
        "The chat server at {url} answered HTTP {status}: {detail}",
        "对话服务器返回了错误（HTTP {status}）。",
    ),
    "chat_server.unreachable": (
        "cannot reach {url}: {reason}",
        "连接不上对话服务器。",
    ),
    "chat_server.too_much": (
        "The chat server at {url} answered too much.",
        "对话服务器返回的内容太多。",
    ),
    "chat_server.not_json": (
        "The chat server at {url} did not answer JSON.",
        "对话服务器返回的不是 JSON。",
    ),
    "chat_server.not_object": (
        "The chat server at {url} did not answer an object.",
        "对话服务器返回的不是一个对象。",
    ),
    "download.failed": (
        "Could not download {what}: {detail}",
        "无法下载 {what}。",
    ),
    "download.hub_failed": (
        "Could not download {what} from the Hugging Face hub: {detail} (fetch-models needs "
        "internet access and HF_HUB_OFFLINE unset; gated models also need `hf auth login`).",
        "无法从模型仓库下载 {what}（需要联网）。",
    ),
    "download.some_failed": (
        "Some weights could not be downloaded:\n  {failures}{others}",
        "有些模型权重没能下载：\n  {failures}",
    ),
    "description.empty": (
        "Describe the person to paint, e.g. 'an old fisherman'.",
        "请描述要画的人，例如“一位年老的渔夫”。",
    ),
    "description.too_long": (
        "The description is {chars} characters; the limit is {most}. Shorten it.",
        "描述有 {chars} 个字符，上限是 {most} 个。请缩短。",
    ),
    "portrait.failed": (
        "The text-to-image model failed: {detail}",
        "画像模型出错了。请再试一次。",
    ),
}

#: Warnings: what the user should know about a result that was still made.
NOTICE_TEXT: dict[str, tuple[str, str]] = {
    "warn.no_caption_words": (
        "No words were recognised in your recording, so there is nothing to caption; the video "
        "has no captions (type the line instead to have them).",
        "没有在你的录音里识别出字词，所以视频没有字幕（想要字幕，请改为输入台词）。",
    ),
    "warn.template_line": (
        "The dialogue model's lines did not pass checks; a template was used.",
        "模型写的台词没有通过检查，改用了预先写好的句子。",
    ),
    "warn.template_turns": (
        "Some of the dialogue model's turns did not pass checks; templates were used.",
        "有几句模型写的台词没有通过检查，改用了预先写好的句子。",
    ),
    "warn.not_transcribed": (
        "Your recording was not transcribed here, so the transcript and subtitles are empty.",
        "这里无法把你的录音转成文字，所以没有文字稿和字幕。",
    ),
    "warn.faces_limited": (
        "{found} faces were found; only {animated} are animated at once (the limit is {most}).",
        "找到了 {found} 张脸；一次只让 {animated} 张动起来（上限是 {most}）。",
    ),
    "warn.neutral_voice": (
        "Person {person}'s gender could not be told apart with confidence ({confidence:.0%}), "
        "so they speak in the neutral voice; choose a voice to change it.",
        "无法确定第 {person} 个人的性别（把握只有 {confidence:.0%}），所以使用中性的声音；"
        "想换的话请选择一个声音。",
    ),
    "warn.no_voice_estimator": (
        "The voice cannot be chosen from the faces here, so everyone speaks in the neutral "
        "voice; choose a voice.",
        "这里无法根据脸来选择声音，所以每个人都使用中性的声音；请选择一个声音。",
    ),
    "warn.backend_fallback": (
        "The chosen {stage} model cannot run here; the {name!r} model is used instead.",
        "所选的{stage}模型无法在这里运行，改用“{name}”。",
    ),
}
STEP_TEXT.update(NOTICE_TEXT)
