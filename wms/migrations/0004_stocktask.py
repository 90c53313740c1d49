import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("wms", "0003_picking_shipping")]

    operations = [
        # Put-away tasks become stock tasks with a purpose: replenishment uses the same work.
        migrations.RenameModel("PutawayTask", "StockTask"),
        migrations.AddField(
            model_name="stocktask",
            name="purpose",
            field=models.CharField(
                choices=[("putaway", "Put-away"), ("replenishment", "Replenishment")],
                default="putaway",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="stocktask",
            name="warehouse",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="tasks", to="wms.warehouse"
            ),
        ),
        migrations.RemoveConstraint(model_name="stocktask", name="putaway_task_quantity_positive"),
        migrations.AddConstraint(
            model_name="stocktask",
            constraint=models.CheckConstraint(condition=models.Q(quantity__gt=0), name="stock_task_quantity_positive"),
        ),
    ]
