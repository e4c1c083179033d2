from celery import shared_task

from videoconf.services import video_session_retry_remote_cleanup


@shared_task
def retry_remote_cleanup() -> int:
    """Runs in every municipality's schema: end at the provider what a Webex outage left open."""
    return video_session_retry_remote_cleanup()
