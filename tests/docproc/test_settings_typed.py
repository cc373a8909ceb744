"""Settings that refuse typos (issue 14, point 4): typed models, extra="forbid", French errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from docproc.settings import Settings, SettingsError, get_settings
from service.config import ServiceSettings, load_settings


def test_library_defaults_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DOCPROC_MAX_BYTES",
        "DOCPROC_MAX_PAGES",
        "DOCPROC_MAX_IMAGE_PIXELS",
        "DOCPROC_MAX_FRAMES",
        "DOCPROC_SPEC_DIRS",
    ):
        monkeypatch.delenv(name, raising=False)
    assert get_settings() == Settings(
        max_bytes=2 * 1024 * 1024,
        max_pages=10,
        max_image_pixels=40_000_000,
        max_frames=10,
        spec_dirs=(),
    )


def test_library_values_are_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPROC_MAX_BYTES", "3145728")
    monkeypatch.setenv("DOCPROC_SPEC_DIRS", "/a::/b")
    s = get_settings()
    assert s.max_bytes == 3145728 and s.spec_dirs == (Path("/a"), Path("/b"))


@pytest.mark.parametrize("value", ["3MB", "trois", "-1", "0", "2.5"])
def test_library_malformed_value_is_refused_in_french(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("DOCPROC_MAX_BYTES", value)
    with pytest.raises(SettingsError, match="DOCPROC_MAX_BYTES") as err:
        get_settings()
    assert value in str(err.value) and ("entier" in str(err.value) or "positif" in str(err.value))


def test_service_defaults_are_unchanged(tmp_path: Path) -> None:
    s = load_settings(env={"DOCPROC_DATA_DIR": str(tmp_path)})
    assert isinstance(s, ServiceSettings)
    assert (s.queue_name, s.job_timeout_s, s.max_attempts, s.retry_backoff_s, s.heartbeat_s) == (
        "docproc",
        120,
        3,
        2.0,
        2.0,
    )
    assert (s.stale_after_s, s.reconcile_every_s, s.requeue_lost_after_s, s.coalesce_images_s) == (
        20.0,
        5.0,
        10.0,
        0.5,
    )
    assert (s.worker_memory_mb, s.access_log) == (3072, False)
    assert s.redis_url == "redis://127.0.0.1:6379/0" and s.database_url.startswith("sqlite:///")
    assert s.data_dir == tmp_path.resolve() and s.max_upload_bytes == 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("True", True),
        ("true", True),
        ("1", True),
        ("yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("off", False),
    ],
)
def test_access_log_is_a_real_boolean(raw: str, expected: bool) -> None:
    assert load_settings(env={"DOCPROC_ACCESS_LOG": raw}).access_log is expected


def test_access_log_rubbish_is_refused() -> None:
    with pytest.raises(SettingsError, match="DOCPROC_ACCESS_LOG.*booléen"):
        load_settings(env={"DOCPROC_ACCESS_LOG": "peut-être"})


def test_misspelt_toml_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    toml = tmp_path / "r.toml"
    toml.write_text("job_timout_s = 30\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="job_timout_s.*job_timeout_s"):
        load_settings(env={"DOCPROC_SETTINGS_FILE": str(toml)})


def test_wrong_type_in_toml_names_the_key_and_type(tmp_path: Path) -> None:
    toml = tmp_path / "r.toml"
    toml.write_text('max_attempts = "trois"\n', encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_settings(env={"DOCPROC_SETTINGS_FILE": str(toml)})
    message = str(err.value)
    assert (
        "max_attempts" in message
        and "trois" in message
        and "entier" in message
        and str(toml) in message
    )


def test_toml_values_and_environment_precedence(tmp_path: Path) -> None:
    toml = tmp_path / "r.toml"
    toml.write_text("job_timeout_s = 30\nmax_attempts = 5\naccess_log = true\n", encoding="utf-8")
    s = load_settings(env={"DOCPROC_SETTINGS_FILE": str(toml), "DOCPROC_MAX_ATTEMPTS": "7"})
    assert (s.job_timeout_s, s.max_attempts, s.access_log) == (30, 7, True)


def test_misspelt_environment_variable_is_refused() -> None:
    with pytest.raises(SettingsError, match="DOCPROC_JOB_TIMOUT_S.*DOCPROC_JOB_TIMEOUT_S"):
        load_settings(env={"DOCPROC_JOB_TIMOUT_S": "30"})


def test_environment_number_errors_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="DOCPROC_HEARTBEAT_S.*nombre"):
        load_settings(env={"DOCPROC_HEARTBEAT_S": "vite"})


def test_each_library_setting_is_declared_once() -> None:
    """The typed check, the variable names and the French words all come from ``Settings``:
    a new field needs nothing else to be validated, named and described."""
    from dataclasses import asdict, fields

    from docproc.settings import ENV, KNOWN_ENV, _model

    assert _model()().model_dump() == asdict(Settings())
    assert set(_model().model_fields) == {f.name for f in fields(Settings)} == set(ENV)
    assert set(ENV.values()) <= KNOWN_ENV
    assert all(f.metadata["expected"] for f in fields(Settings))


def test_each_service_setting_is_declared_once() -> None:
    """Variable, TOML key, bound and French words of a service setting come from its field of
    ``ServiceSettings``; only the API keys and the upload limit (DOCPROC_MAX_BYTES, the
    library's) are filled in by ``load_settings``."""
    from docproc.settings import KNOWN_ENV
    from service.config import _EXPECTED, ENV

    declared = set(ServiceSettings.model_fields)
    assert set(ENV) == declared - {"api_keys", "max_upload_bytes"}
    assert set(_EXPECTED) == set(ENV) | {"api_keys"}
    assert {v for v in ENV.values() if v.startswith("DOCPROC_")} <= KNOWN_ENV
    assert "fault_sleep_s" not in declared  # fault injection is a test hook (tests/fault_hooks.py)


def test_upload_limit_comes_from_the_library_setting(tmp_path: Path) -> None:
    s = load_settings(env={"DOCPROC_DATA_DIR": str(tmp_path), "DOCPROC_MAX_BYTES": "1048576"})
    assert s.max_upload_bytes == 1048576


def test_api_keys_of_the_wrong_type_in_toml_are_refused(tmp_path: Path) -> None:
    toml = tmp_path / "r.toml"
    toml.write_text("api_keys = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="api_keys.*nom:rôle:clé"):
        load_settings(env={"DOCPROC_SETTINGS_FILE": str(toml), "DOCPROC_DATA_DIR": str(tmp_path)})
