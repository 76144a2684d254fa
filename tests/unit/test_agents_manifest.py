"""Manifests and the built-in role catalogue."""

from __future__ import annotations

import pytest

import swarmnb as sn
from swarmnb.agents import AgentManifest

TOML = """
id = "reviewer"
name = "Reviewer"
version = "2.1.0"
role = "reviewer"
model = "sim/large"
capabilities = ["fs.read:workspace/**", "!fs.read:workspace/secrets/**"]

[[skills]]
id = "review"
name = "Review"
tags = ["code"]

[[dependencies]]
id = "developer"
version = ">=1.0,<2"

[health]
interval_s = 2.0
max_restarts = 3
"""


def test_toml_and_yaml_give_the_same_manifest(tmp_path):
    (tmp_path / "r.toml").write_text(TOML)
    import tomllib

    import yaml

    (tmp_path / "r.yaml").write_text(yaml.safe_dump(tomllib.loads(TOML)))
    a = AgentManifest.from_file(tmp_path / "r.toml")
    b = AgentManifest.from_file(tmp_path / "r.yaml")
    assert a == b
    assert a.dependencies[0].specifier.contains("1.4") and not a.dependencies[0].specifier.contains(
        "2.0"
    )
    assert a.health.interval_s == 2.0 and a.health.max_restarts == 3
    assert a.limits.max_concurrent_tasks == 1  # defaults fill the rest


@pytest.mark.parametrize(
    ("patch", "named"),
    [
        ('colour = "blue"\n', "unknown field 'colour'"),
        ("[limits]\nmax_parallel = 3\n", "unknown field 'limits.max_parallel'"),
        ('version = "one"\n', "bad version 'one'"),
        ('capabilities = ["rm -rf"]\n', "bad capability 'rm -rf'"),
        ('[[dependencies]]\nid = "dev"\nversion = "=>1"\n', "bad version specifier '=>1'"),
    ],
)
def test_bad_manifests_raise_a_typed_error_naming_the_problem(patch, named):
    base = 'id = "x"\nname = "X"\nrole = "x"\n'
    if patch.startswith("version"):
        base = base + patch
    else:
        base = (
            base.replace('role = "x"\n', 'role = "x"\n' + patch)
            if "[" not in patch
            else base + patch
        )
    with pytest.raises(sn.ManifestError, match="invalid agent manifest") as info:
        AgentManifest.from_text(base, source="x.toml")
    assert named in str(info.value)
    assert str(info.value).startswith("x.toml")
    assert isinstance(info.value, ValueError)


def test_missing_fields_and_unreadable_files(tmp_path):
    with pytest.raises(sn.ManifestError, match="missing field 'role'"):
        AgentManifest.from_text('id = "x"\nname = "X"\n')
    with pytest.raises(sn.ManifestError, match="cannot read"):
        AgentManifest.from_file(tmp_path / "nope.toml")
    with pytest.raises(sn.ManifestError, match="not valid toml"):
        AgentManifest.from_text("id = ")


def test_the_catalogue_ships_every_role_as_a_valid_manifest():
    table = sn.agents.roles()
    expected = {
        "architect", "developer", "code-reviewer", "tester", "documenter", "marketer",
        "presenter", "devops", "monitor", "security", "project-manager", "decision-maker",
        "orchestrator", "ceo", "cfo", "product", "qa", "risk", "legal", "tech-lead",
    }  # fmt: skip
    assert set(table["id"]) == expected
    assert (sn.agents.ROLES_DIR / "developer.toml").exists()
    for role in expected:
        m = sn.agents.manifest(role)
        assert m.role == role and m.model.startswith("sim/") and m.system_prompt
    assert table.set_index("id").loc["code-reviewer", "dependencies"] == ["developer"]


def test_manifest_returns_a_copy_and_unknown_roles_are_typed():
    m = sn.agents.manifest("developer")
    m.capabilities.append("shell.exec")
    assert "shell.exec" not in sn.agents.manifest("developer").capabilities
    with pytest.raises(sn.UnknownRole, match=r"unknown role 'wizard'.*developer"):
        sn.agents.manifest("wizard")
    assert issubclass(sn.UnknownRole, LookupError)


def test_agent_card_uses_a2a_names():
    card = sn.agents.manifest("code-reviewer").to_agent_card(url="http://x")
    assert {"name", "description", "url", "version", "provider", "skills", "capabilities"} <= set(
        card
    )
    assert set(card["skills"][0]) == {"id", "name", "description", "tags", "examples"}
    assert (
        card["extensions"]["swarmnb"]["grants"] == sn.agents.manifest("code-reviewer").capabilities
    )
