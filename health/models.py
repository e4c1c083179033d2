from django.db import models


class ProcessHeartbeat(models.Model):
    """When a process of the platform last proved it works, by the database's clock.

    `worker`: a Celery worker ran the heartbeat task (so it consumes the queue); `beat`:
    Celery beat ticked. One row per role, whichever process of that role wrote last.
    """

    class Role(models.TextChoices):
        WORKER = "worker"
        BEAT = "beat"

    role = models.CharField(max_length=16, choices=Role.choices, primary_key=True)
    seen_at = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.role} {self.hostname}:{self.pid} at {self.seen_at}"
