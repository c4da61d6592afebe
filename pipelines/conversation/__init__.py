"""Group conversations: everyone in the photo talks, one turn after another, in one video.

Modules:
    script: scripts of turns from a file, a text box or code.
    writer: the dialogue model writes the turns.
    casting: a voice and a mood per person.
    render: ``render_conversation`` (``TalkingPhotoPipeline.converse``).
"""

from pipelines.conversation.casting import (
    MAX_WRITTEN_TURNS,
    MIN_WRITTEN_TURNS,
    assign_voices,
    moods_by_face,
)
from pipelines.conversation.render import render_conversation
from pipelines.conversation.script import (
    MAX_SCRIPT_TURNS,
    MIN_SCRIPT_TURNS,
    Script,
    load_script,
    parse_script,
    parse_script_text,
)
from pipelines.timeline import Turn

__all__ = [
    "MAX_SCRIPT_TURNS",
    "MAX_WRITTEN_TURNS",
    "MIN_SCRIPT_TURNS",
    "MIN_WRITTEN_TURNS",
    "Script",
    "Turn",
    "assign_voices",
    "load_script",
    "moods_by_face",
    "parse_script",
    "parse_script_text",
    "render_conversation",
]
