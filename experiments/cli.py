"""The command line: ``python run.py [overrides]`` or ``meek [overrides]`` (Hydra at the edge).

Hydra composes conf/config.yaml (typed by :class:`engine.config.MeekConfig`) with the overrides.
Before anything is written, every job's configuration is composed and checked (types, names,
priors against the model's domain, the run directory), so bad input ends with one line on stderr
naming the key and the value, exit status 2, and no files. A single run is composed once: the
checked configuration is the one the job runs with. A sweep (``-m``) is checked job by job before
its first job starts. The experiment then writes into its run directory's staging area, and the
results are published only when it has finished.
"""

from __future__ import annotations

import copy
import importlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from engine.config import ConfigError, MeekConfig, Settings, build
from engine.resources import conf_dir, tune_malloc
from engine.runs import RunDir, RunDirError, finished

log = logging.getLogger("meek")
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
TASKS = ("summary", "fan", "sobol", "morris", "paper", "calibrate", "discover")


def fail(message: object, code: int = EXIT_BAD_INPUT) -> NoReturn:
    print("error: " + " ".join(str(message).split()), file=sys.stderr)
    sys.exit(code)


def register_schema() -> None:
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="meek_schema", node=MeekConfig)


# ----------------------------------------------------------------------------- loading


def load(cfg: DictConfig) -> tuple[Settings, dict[str, Any]]:
    """Typed config -> checked Settings, and the attrs every saved Dataset carries."""
    from experiments.common import attrs as make_attrs

    check_keys(cfg)
    task_cfg = copy.deepcopy(cfg)
    with open_dict(task_cfg), read_write(task_cfg):
        task_cfg.pop("hydra", None)
    plain = OmegaConf.to_container(task_cfg, resolve=True)
    typed = OmegaConf.to_object(task_cfg)
    assert isinstance(typed, MeekConfig) and isinstance(plain, dict)
    if typed.task not in TASKS:
        raise ConfigError(f"task={typed.task!r}: unknown; allowed: {', '.join(TASKS)}")
    settings = build(typed, plain)
    return settings, make_attrs(settings, OmegaConf.to_yaml(task_cfg, resolve=True))


def experiment(task: str) -> Any:
    return importlib.import_module(f"experiments.{task}")


# ----------------------------------------------------------------------------- errors


SECTIONS = ("sobol", "fan", "morris", "paper", "calibrate", "discover")


def _chain(err: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    while err is not None and len(out) < 8:
        out.append(err)
        err = err.__cause__ or err.__context__  # type: ignore[assignment]
    return out


def _parses(override: str) -> bool:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        OverridesParser.create().parse_overrides([override])
        return True
    except Exception:
        return False


def translate(err: BaseException, overrides: Sequence[str]) -> str:
    """One line naming the key and the value for Hydra's, OmegaConf's and YAML's composition
    errors (Hydra wraps the telling one: the whole chain of causes is read)."""
    chain = _chain(err)
    texts = [str(e).strip() for e in chain]
    text = "\n".join(texts)
    first = texts[0].splitlines()[0] if texts[0] else type(err).__name__
    key = next((ln.split(":", 1)[1].strip() for t in texts for ln in t.splitlines()
                if ln.strip().startswith("full_key:")), None)

    def given(k: str) -> str:
        base = k.split("[", 1)[0]
        for o in overrides:
            name, _, value = o.lstrip("+~").partition("=")
            if name in (k, base):
                return value
        return "?"

    if key and "[" in key:  # an element of a list: name the list and the value given
        base, index = key.split("[", 1)
        key = f"{base} (element {index.rstrip(']')})"
        overrides = [o.replace(base + "=", key + "=", 1) for o in overrides]

    yaml_error = next((e for e in chain if type(e).__module__.startswith("yaml")), None)
    if yaml_error is not None:
        mark = getattr(yaml_error, "problem_mark", None)
        where = f"{mark.name}, line {mark.line + 1}" if mark is not None else "a YAML file"
        problem = getattr(yaml_error, "problem", None) or str(yaml_error).splitlines()[0]
        return f"{where}: YAML syntax error ({problem}); fix the file or leave it out"
    if any(t.startswith(("LexerNoViableAlt", "mismatched input", "no viable alternative",
                         "token recognition")) or "OverrideParse" in type(e).__name__
           for t, e in zip(texts, chain, strict=True)):
        bad = next((o for o in overrides if not _parses(o)), first)
        name, _, value = bad.partition("=")
        return (f"{bad}: Hydra cannot parse this override; quote the value, e.g. "
                f"'{name}=\"{value}\"'")
    if first.startswith("Could not append to config"):
        k = first.split("'")[1]
        return f"+{k}={given(k)!r}: the key exists already; set it without the leading +"
    if first.startswith("Could not override '"):
        k = first.split("'")[1]
        return (f"{k}={given(k)!r}: no such key in the configuration (a typo? new keys need a "
                "leading +)")
    if "Unexpected type for root: NoneType" in text:
        for o in overrides:
            section = o.lstrip("+~").split(".")[0].split("=")[0]
            if section in SECTIONS and "." in o.split("=")[0]:
                return (f"{o.split('=')[0].lstrip('+~')}={o.partition('=')[2]!r}: the {section} "
                        f"settings belong to experiment={section}; add experiment={section}")
    if "could not be converted to" in text and key:
        kind = next(t for t in texts if "could not be converted to" in t).splitlines()[0]
        kind = kind.rsplit(" ", 1)[-1]
        wanted = {"Integer": "a whole number", "Float": "a number", "Boolean": "true or false",
                  "str": "a string"}
        return f"{key}={given(key)!r}: must be {wanted.get(kind, kind)}"
    if "is not a valid bool" in text and key:
        return f"{key}={given(key)!r}: must be true or false"
    if "Cannot convert" in text and "to string" in text and key:
        return f"{key}={given(key)!r}: must be a single name or string, not a list"
    if "is not a ListConfig" in text and key:
        return f"{key}={given(key)!r}: must be a list, e.g. {key}=[...]"
    if ("is not a subclass of" in text or "Invalid type assigned" in text) and key:
        if "." not in key:
            return (f"{key}={given(key)!r}: {key} is a section of settings, not a value or a "
                    f"config group; set its keys, e.g. {key}.<key>=...")
        return f"{key}={given(key)!r}: not a value of this key's type"
    if "not in '" in text and key:
        return f"{key}={given(key)!r}: no such key in the configuration"
    if "Missing mandatory value" in text and key:
        return f"{key}: missing (give it a value: {key}=...)"
    if first.startswith("Cannot find primary config"):
        name = first.split("'")[1]
        return f"--config-name={name!r}: no such config in conf/ (or the --config-dir)"
    if "Could not find '" in first:
        group = first.split("'")[1].split("/")[0]
        return f"{group}: {first}"
    return f"{first} (overrides: {' '.join(overrides)})"


def check_keys(cfg: DictConfig) -> None:
    """Refuse keys the schema does not have (Hydra lets '+key=...' add any key)."""
    import dataclasses

    from omegaconf import DictConfig as DC

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, DC):
            return
        kind = OmegaConf.get_type(node)
        if dataclasses.is_dataclass(kind):
            allowed = {f.name for f in dataclasses.fields(kind)}
            for k in node.keys():
                if k not in allowed and not (path == "" and k == "hydra"):
                    where = f"{path}.{k}" if path else str(k)
                    value = OmegaConf.to_container(node, resolve=False).get(k)  # type: ignore
                    while isinstance(value, dict) and len(value) == 1:  # +a.b.c=v: name a.b.c
                        inner, value = next(iter(value.items()))
                        where = f"{where}.{inner}"
                    raise ConfigError(f"{where}={value!r}: no such key in the configuration; "
                                      f"allowed here: {', '.join(sorted(allowed))}")
            for k in allowed & set(node.keys()):
                walk(node._get_node(k), f"{path}.{k}" if path else k)

    walk(cfg, "")


def _group_check(overrides: Sequence[str], search: Sequence[Path]) -> None:
    groups: dict[str, set[str]] = {}
    for root in search:
        if root.is_dir():
            for g in root.iterdir():
                if g.is_dir():
                    groups.setdefault(g.name, set()).update(p.stem for p in g.glob("*.yaml"))
    for arg in overrides:
        key, _, value = arg.partition("=")
        if key in groups and value not in groups[key] and "," not in value and not (
                key == "experiment" and value == "null"):
            fail(f"{key}={value!r}: unknown; allowed: {', '.join(sorted(groups[key]))}")


# ----------------------------------------------------------------------------- the job


def _on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through every atomic write's cleanup


def _run(settings: Settings, attrs: dict[str, Any], run: RunDir) -> float:
    """Run the experiment into ``run``; publish on success, discard on failure."""
    try:
        value = experiment(settings.config.task).run(settings, run, attrs)
    except KeyboardInterrupt:
        run.discard()
        hint = (f" (finish it: the same command with resume=true hydra.run.dir={run.path})"
                if (run.staging.exists() and any(run.staging.glob("*.partial"))) else "")
        fail(f"interrupted{hint}", EXIT_INTERRUPTED)
    except (ConfigError, ValueError, TypeError, FileNotFoundError, OSError) as err:
        if settings.config.debug:
            raise
        run.discard()
        _abandon(run)
        fail(err)
    except BaseException:
        run.discard()
        raise
    run.publish()
    return float(value)


def _abandon(run: RunDir) -> None:
    """After bad input: remove what this run created (Hydra's log and config, the lock), unless
    the directory holds an interrupted run, whose record says how to resume it."""
    import shutil

    from engine.runs import resumable

    if resumable(run.path):
        return

    for name in (".hydra", "run.log", ".meek.lock"):
        target = run.path / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            target.unlink()
    if run.path.exists() and not any(run.path.iterdir()):
        run.path.rmdir()


def check_names(cfg: DictConfig, search: Sequence[Path]) -> None:
    """actor.name and policy.name label a run's results: they must name a config option."""
    for group in ("actor", "policy"):
        options = {"none"}
        for root in search:
            options |= {p.stem for p in (root / group).glob("*.yaml")}
        name = OmegaConf.select(cfg, f"{group}.name")
        if name is not None and name not in options:
            raise ConfigError(f"{group}.name={name!r}: not a {group} of conf/{group}/; choose "
                              f"one with {group}=<option> ({', '.join(sorted(options))})")


def _sweep_task(cfg: DictConfig) -> float:
    """A job of a sweep (its config composed again by Hydra's launcher; checked up front)."""
    from hydra.core.hydra_config import HydraConfig

    settings, attrs = load(cfg)
    run = RunDir(HydraConfig.get().runtime.output_dir)
    run.claim(resume=bool(settings.config.resume))
    return _run(settings, attrs, run)


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    """``meek`` / ``python run.py``: check everything, then run (see the module docstring)."""
    from hydra._internal.utils import get_args_parser

    argv = list(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _on_signal)
    tune_malloc()
    register_schema()
    parser = get_args_parser()
    args = parser.parse_args(argv)
    if args.help or args.hydra_help or args.cfg or args.info or args.shell_completion:
        return _plain_hydra(argv)
    if args.config_dir is not None and not Path(args.config_dir).is_dir():
        fail(f"--config-dir={args.config_dir!r}: no such directory")
    search = [Path(args.config_dir).resolve()] if args.config_dir else []
    SEARCH[:] = search
    overrides = list(args.overrides)
    _group_check(overrides, [*search, conf_dir()])
    debug = any(o.lower() == "debug=true" for o in overrides)
    try:
        hydra_app = _hydra(search)
        if args.multirun:
            _multirun(hydra_app, args.config_name or "config", overrides, debug)
        else:
            _single(hydra_app, args.config_name or "config", overrides, debug)
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)


def _hydra(search: Sequence[Path]) -> Any:
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_config_search_path
    from hydra.core.config_search_path import SearchPathQuery

    path = create_config_search_path(str(conf_dir()))
    for extra in search:
        path.prepend(provider="command-line", path=f"file://{extra}",
                     anchor=SearchPathQuery(provider="schema"))
    return Hydra.create_main_hydra2(task_name="run", config_search_path=path)


def _compose(hydra_app: Any, name: str, overrides: Sequence[str], mode: Any,
             debug: bool) -> DictConfig:
    try:
        return hydra_app.compose_config(config_name=name, overrides=list(overrides),
                                        run_mode=mode, with_log_configuration=False)
    except Exception as err:  # Hydra, OmegaConf and YAML errors all become one line
        if debug:
            raise
        fail(translate(err, overrides))


SEARCH: list[Path] = []


def _check(cfg: DictConfig, debug: bool) -> tuple[Settings, dict[str, Any]]:
    try:
        check_names(cfg, [*SEARCH, conf_dir()])
        return load(cfg)
    except ConfigError as err:
        if debug:
            raise
        fail(err)
    except Exception as err:
        if debug:
            raise
        fail(translate(err, []))


def _single(hydra_app: Any, name: str, overrides: list[str], debug: bool) -> None:
    from hydra.core.utils import run_job
    from hydra.types import HydraContext, RunMode

    cfg = _compose(hydra_app, name, overrides, RunMode.RUN, debug)
    settings, attrs = _check(cfg, debug)
    run = RunDir(Path(str(cfg.hydra.run.dir)).expanduser().absolute())
    _writable("hydra.run.dir", run.path)
    try:
        run.claim(resume=bool(settings.config.resume))
        if settings.config.resume:
            run.check_resume(settings.fingerprint)
    except (RunDirError, OSError) as err:
        if isinstance(err, RunDirError) and run._fd is not None:
            run.release()
        fail(err if isinstance(err, RunDirError) else
             f"hydra.run.dir={str(run.path)!r}: cannot be written ({type(err).__name__})")
    try:
        from hydra._internal.callbacks import Callbacks

        with open_dict(cfg.hydra):
            cfg.hydra.mode = RunMode.RUN
        context = HydraContext(config_loader=hydra_app.config_loader,
                               callbacks=Callbacks(cfg))
        ret = run_job(task_function=lambda _cfg: _run(settings, attrs, run), config=cfg,
                      job_dir_key="hydra.run.dir", job_subdir_key=None, hydra_context=context)
    except BaseException:
        if run.staging.exists() or run.path.exists():
            run.discard()
        raise
    _ = ret.return_value  # re-raises what the job raised


def _multirun(hydra_app: Any, name: str, overrides: list[str], debug: bool) -> None:
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.types import RunMode

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
        jobs = [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]
    except Exception as err:
        if debug:
            raise
        fail(translate(err, overrides))
    sweep_dir = None
    for job in jobs:
        cfg = _compose(hydra_app, name, job, RunMode.MULTIRUN, debug)
        _check(cfg, debug)
        sweep_dir = sweep_dir or str(cfg.hydra.sweep.dir)
        job_dir = Path(sweep_dir) / str(cfg.hydra.sweep.subdir)
        if finished(job_dir):
            fail(f"hydra.sweep.dir={sweep_dir!r}: job {cfg.hydra.sweep.subdir} holds a finished "
                 "run; choose another sweep directory")
    assert sweep_dir is not None
    where = Path(sweep_dir)
    if finished(where) or (where / "multirun.yaml").exists():
        fail(f"hydra.sweep.dir={sweep_dir!r}: holds a finished run or sweep; choose another "
             "directory")
    _writable("hydra.sweep.dir", where)
    pinned = [o for o in overrides if not o.startswith("hydra.sweep.dir=")]
    pinned.append(f"hydra.sweep.dir={sweep_dir}")
    fixed = [o.key_or_group for o in parsed if not o.is_sweep_override()]
    if fixed:  # job folders are named by the swept keys alone
        pinned.append("hydra.job.config.override_dirname.exclude_keys=[" + ",".join(fixed) + "]")
    hydra_app.multirun(config_name=name, task_function=_sweep_task, overrides=pinned)


def _writable(key: str, path: Path) -> None:
    """Refuse a directory that cannot be created and written, leaving nothing behind."""
    import tempfile

    probe = path.expanduser().absolute()
    while not probe.exists():
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise NotADirectoryError(str(probe))
        tempfile.TemporaryDirectory(dir=probe).cleanup()
    except OSError as err:
        fail(f"{key}={str(path)!r}: cannot be written ({type(err).__name__})")


def _plain_hydra(argv: list[str]) -> None:
    """--help, --cfg, --info and friends: Hydra's own behaviour, no checks."""
    import hydra

    sys.argv = [sys.argv[0], *argv]
    hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")(
        lambda cfg: None)()


if __name__ == "__main__":
    main()
