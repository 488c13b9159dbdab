"""The command line refuses a port that is not one, in a sentence (audit item 13).

``--port 70000`` used to bind some other port without a word (the OS takes it modulo 65536
or picks any), and ``--port -5`` ended in a traceback.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from otj_desktop.launcher import parse_args
from tests.process_helpers import app_env


@pytest.mark.parametrize(
    "value", ["70000", "65536", "-5", "-1", "x", "", "1e3", " 80", "+80", "٨٠"]
)
def test_a_port_that_is_not_one_is_refused_with_a_sentence(value, capsys):
    with pytest.raises(SystemExit) as exited:
        parse_args(["--port", value] if not value.startswith("-") else [f"--port={value}"])

    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "is not a port: give a whole number from 1 to 65535 (or 0 for any free port)" in error
    assert "Traceback" not in error


@pytest.mark.parametrize(("value", "port"), [("0", 0), ("1", 1), ("8080", 8080), ("65535", 65535)])
def test_ports_in_range_are_taken(value, port):
    assert parse_args(["--port", value]).port == port


def test_no_port_means_any_free_port():
    assert parse_args([]).port == 0


def test_the_real_command_refuses_a_port_out_of_range_before_starting(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "otj_desktop", "--headless", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=30,
        env=app_env(tmp_path, OTJ_DESKTOP_DATA_DIR=str(tmp_path / "data")),
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert "argument --port: '70000' is not a port" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was touched
