"""The domain events `core` publishes. Payloads are JSON; ids are strings."""

# A background run (MRP, scheduling, import) finished. payload: run_id, task_name, status.
TASK_RUN_FINISHED = "core.task_run.finished"

# A folder of CSV files was imported (manage.py import_data or the browser upload). The import writes
# in bulk, without per-record audit entries: this event is its record. payload: files (counts per file).
DATA_IMPORTED = "core.data.imported"
