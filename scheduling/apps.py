from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    """The legacy app: it only holds the migrations that created the waiting room's and the
    appointments' tables (applied on every fresh database). The models and code live in the
    apps scheduling.queue and scheduling.appointments, which took them over state-only
    (README "Layers")."""

    name = "scheduling"
    verbose_name = "Terminvergabe (Migrationen)"
