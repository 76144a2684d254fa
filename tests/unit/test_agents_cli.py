"""``swarmnb agents``: roles, install, scale, list, audit, uninstall against a registry file."""

from __future__ import annotations

from swarmnb.cli import main


def test_agents_commands_share_state_through_the_registry_file(tmp_path, capsys):
    reg = str(tmp_path / "team.sqlite")
    assert main(["agents", "roles"]) == 0
    assert "code-reviewer" in capsys.readouterr().out
    assert main(["agents", "install", "developer", "-n", "2", "--registry", reg]) == 0
    assert "developer-1, developer-2" in capsys.readouterr().out
    assert main(["agents", "scale", "developer", "3", "--registry", reg]) == 0
    assert main(["agents", "list", "--registry", reg]) == 0
    out = capsys.readouterr().out
    assert out.count("developer-") == 3 and "stopped" in out
    assert main(["agents", "audit", "--registry", reg]) == 0
    assert "(none)" in capsys.readouterr().out
    assert main(["agents", "install", "code-reviewer", "--registry", reg]) == 0
    assert main(["agents", "uninstall", "developer", "--registry", reg]) == 2
    assert "code-reviewer depend on it" in capsys.readouterr().err
    assert main(["agents", "install", "wizard", "--registry", reg]) == 2
    assert "unknown role 'wizard'" in capsys.readouterr().err
    assert main(["agents", "scale", "developer", "-1", "--registry", reg]) == 2
    assert "count must be an int ≥ 0" in capsys.readouterr().err
    assert main(["agents", "uninstall", "code-reviewer", "--registry", reg]) == 0
    assert main(["agents", "uninstall", "developer", "--registry", reg]) == 0
    capsys.readouterr()
    assert main(["agents", "list", "--registry", reg]) == 0
    assert "(none)" in capsys.readouterr().out
