from django.db import migrations

# The production record is evidence (genealogy, recalls, costs): the database itself refuses to change or
# delete an event, whatever code runs. TRUNCATE (test flushes) does not fire row triggers.
FORWARD = """
CREATE FUNCTION mes_production_event_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'production events are never changed or deleted; record a correction instead'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER mes_production_event_immutable BEFORE UPDATE OR DELETE ON mes_productionevent
    FOR EACH ROW EXECUTE FUNCTION mes_production_event_immutable();
"""

BACKWARD = """
DROP TRIGGER mes_production_event_immutable ON mes_productionevent;
DROP FUNCTION mes_production_event_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("mes", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
