"""Chat with the photo: ask a person in it a question, hear and see them answer.

Modules:
    session: ``ChatSession`` (``TalkingPhotoPipeline.chat``): the photo read once, the
        conversation remembered, each answer spoken sentence by sentence, then its video.
    prompt: the prompt, rails and fallback of an answer; answer: writing it so its first
        sentence can be spoken before the rest is written.
    rooms: many sessions at once, by id, for a web app.
"""

from pipelines.chat.replies import ChatEvent, ChatReply
from pipelines.chat.session import ChatSession

__all__ = ["ChatEvent", "ChatReply", "ChatSession"]
