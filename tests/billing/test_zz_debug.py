def test_debug(db, eager_celery):
    from billing.tasks import suspend_overdue

    suspend_overdue.apply_async(headers={"_schema_name": "public"})
