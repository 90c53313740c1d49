from django.db import migrations

PLAN_TABLES = ("aps_plandemand", "aps_plansupply", "aps_pegging", "aps_mrpexception", "aps_plannedorder")


class Migration(migrations.Migration):
    """The plan every MRP run rewrites whole skips the write-ahead log: a plant's plan is written in
    seconds, and a crash empties it until the next run (the firmed orders themselves are ERP's)."""

    dependencies = [("aps", "0001_initial")]

    operations = [
        migrations.RunSQL(
            [f"ALTER TABLE {table} SET UNLOGGED" for table in PLAN_TABLES],
            reverse_sql=[f"ALTER TABLE {table} SET LOGGED" for table in PLAN_TABLES],
        ),
        # Insert-triggered vacuums would only walk rows the next run truncates (autovacuum still analyzes).
        migrations.RunSQL(
            [f"ALTER TABLE {table} SET (autovacuum_vacuum_insert_threshold = -1)" for table in PLAN_TABLES],
            reverse_sql=[f"ALTER TABLE {table} RESET (autovacuum_vacuum_insert_threshold)" for table in PLAN_TABLES],
        ),
        # A run's planned orders are stamped by the database (COPY leaves the columns out).
        migrations.RunSQL(
            "ALTER TABLE aps_plannedorder ALTER COLUMN created_at SET DEFAULT now(),"
            " ALTER COLUMN updated_at SET DEFAULT now()",
            reverse_sql="ALTER TABLE aps_plannedorder ALTER COLUMN created_at DROP DEFAULT,"
            " ALTER COLUMN updated_at DROP DEFAULT",
        ),
    ]
