from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("erp", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS erp_journal_entry_number",
            "DROP SEQUENCE IF EXISTS erp_journal_entry_number",
        )
    ]
