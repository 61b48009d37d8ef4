"""``powerkam schedule``: queue the periodic jobs that are due now (the worker does this every minute)."""

from __future__ import annotations

from typing import Any

from powerkam.core.commands import PowerKAMCommand
from powerkam.core.schedule import jobs, queue_due_jobs


class Command(PowerKAMCommand):
    help = "Queue the periodic jobs (escalations, digests, reports) that are due now; list them with --list."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--list", action="store_true", help="list the periodic jobs instead")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        if options["list"]:
            return {
                "jobs": [
                    {
                        "name": j.name,
                        "task": j.task,
                        "at": j.at.strftime("%H:%M"),
                        "weekday": j.weekday,
                        "monthday": j.monthday,
                        "every_minutes": int(j.every.total_seconds() // 60) if j.every else None,
                    }
                    for j in jobs()
                ]
            }
        return {"queued": queue_due_jobs()}

    def render_text(self, result: dict[str, Any]) -> str:
        if "jobs" in result:
            days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

            def when(job: dict[str, Any]) -> str:
                if job.get("every_minutes"):
                    return f"every {job['every_minutes']} min"
                if job.get("monthday"):
                    return f"day {job['monthday']}"
                return "daily" if job["weekday"] is None else days[job["weekday"]]

            return "\n".join(f"{j['name']:<28} {j['at']} {when(j)}  {j['task']}" for j in result["jobs"])
        return "Queued: " + (", ".join(result["queued"]) or "nothing due")
