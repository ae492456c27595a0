"""Which plan an ingest runs: none for the default workflow (built and checked by nobody), the
stored one's where a collection has a workflow, none again once it is deleted."""

from __future__ import annotations

from unittest import mock

from mediasift.runtime import Runtime
from mediasift.services import workflows

WORKFLOW = """version: 1
steps:
  - ocr: {frames: true}
  - quality: {}
"""


def test_the_default_runs_inside_the_ingest_job_without_a_plan(runtime: Runtime) -> None:
    with mock.patch.object(workflows, "build_plan", side_effect=AssertionError("built")):
        assert workflows.plan_for(runtime, "t1", "default") is None
    assert workflows.get_workflow(runtime, "t1", "default").default  # still shown to users


def test_a_stored_workflow_gives_its_version_and_plan_until_deleted(runtime: Runtime) -> None:
    put = workflows.put_workflow(runtime, "t1", "recetas", WORKFLOW, "application/yaml")
    planned = workflows.plan_for(runtime, "t1", "recetas")
    assert planned is not None
    version, plan = planned
    assert version == put.version
    assert [step.key for step in plan.steps] == [step.key for step in put.plan.steps]
    assert workflows.plan_for(runtime, "t2", "recetas") is None  # another tenant's collection
    workflows.delete_workflow(runtime, "t1", "recetas")
    assert workflows.plan_for(runtime, "t1", "recetas") is None
