"""The domain events `core` publishes. Payloads are JSON; ids are strings."""

# A background run (MRP, scheduling, import) finished. payload: run_id, task_name, status.
TASK_RUN_FINISHED = "core.task_run.finished"
