"""The web app's parts, beside ``app.py`` (which only builds the Blocks and launches them).

Modules:
    blocks: ``build_demo`` (the layout and the language switch) and ``launch_options``.
    photo_column: the photo, examples, faces overview, speaker and consent every tab reads.
    single_tab, single_handlers: one person says a line (and the /talk API).
    group_tab, group_handlers, group_render: the people in the photo talk with each other.
    video_stream: the streaming player; a render's segments play while the rest renders.
    chat_tab, chat_handlers, chat_rooms: chat with a person; the sessions, bound to their
        visitor.
    backends_panel: the Advanced panel, one pipeline kept per choice of backends.
    feedback: pipeline errors as friendly messages, warnings as toasts.
    render_jobs: renders in request folders, with progress and Cancel.
    inputs, http_guard, cancel: every value checked once at the edge; the door's checks;
        cancelled or abandoned requests stop their render.
    strings, faces_overview, folders: interface strings (assets/ui_text.yaml), the numbered
        faces picture, per-request output folders and their clean-up.

Nothing here runs pipeline logic; ``pipelines`` never imports this package.
"""

from ui.blocks import build_demo, launch_options

__all__ = ["build_demo", "launch_options"]
