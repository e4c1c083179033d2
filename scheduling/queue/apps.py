from django.apps import AppConfig


class QueueConfig(AppConfig):
    name = "scheduling.queue"
    label = "queue"
    verbose_name = "Warteraum"

    def ready(self) -> None:
        from scheduling.queue import receivers
        from videoconf import events

        events.video_session_started.connect(
            receivers.on_video_session_started, dispatch_uid="queue-video-started"
        )
        events.video_guest_joined.connect(
            receivers.on_video_guest_joined, dispatch_uid="queue-video-guest-joined"
        )
        events.video_session_ended.connect(
            receivers.on_video_session_ended, dispatch_uid="queue-video-ended"
        )
