"""Entry point: ``python run.py [experiment=NAME] [overrides...]`` (Hydra).

Hydra composes conf/config.yaml with the overrides; the experiment named by ``task`` runs in the
run directory under outputs/. Before Hydra creates anything, the composed configuration is
checked (config groups, keys, types, priors against the model's domain, the run directory), so
bad input ends with one line on stderr naming the key and the value, exit status 2, and no files.
SIGTERM is turned into a clean exit, so temporary files are removed and nothing half-written
remains.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import hydra
from omegaconf import DictConfig

log = logging.getLogger("meek")
CONF = Path(__file__).resolve().parent / "conf"
EXIT_BAD_INPUT = 2


def fail(message: str) -> None:
    print("error: " + " ".join(str(message).split()), file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def _writable(directory: str) -> None:
    """Probe that a run directory can be created, leaving nothing behind."""
    path = Path(directory).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    probe = path
    while not probe.exists():
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise NotADirectoryError(str(probe))
        tempfile.TemporaryDirectory(dir=probe).cleanup()
    except OSError as err:
        fail(f"hydra.run.dir={directory!r}: cannot be written ({type(err).__name__}); choose "
             "a writable directory")


def precheck(argv: list[str]) -> None:
    """Compose and check the configuration the way the run will, before Hydra writes anything."""
    if any(a.startswith("-") for a in argv):  # multirun, --help, --cfg ...: Hydra's own modes
        return
    if any(a.lower() == "debug=true" for a in argv):  # tracebacks wanted: let errors surface
        return
    overrides = [a for a in argv if not a.startswith("hydra.")]
    groups = {g.name: sorted(p.stem for p in g.glob("*.yaml")) for g in CONF.iterdir()
              if g.is_dir()}
    for arg in overrides:
        key, _, value = arg.partition("=")
        if key in groups and value not in groups[key] and not (key == "experiment"
                                                              and value == "null"):
            fail(f"{key}={value!r}: unknown; allowed: {', '.join(groups[key])}")
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from engine.config import load

    try:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides)
        plain = OmegaConf.to_container(cfg, resolve=True)
    except (HydraException, OmegaConfBaseException) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if first.startswith("Could not override '"):
            key = first.split("'")[1]
            value = next(a.partition("=")[2] for a in overrides if a.startswith(key + "="))
            fail(f"{key}={value!r}: no such key in the configuration (a typo? new keys need a "
                 "leading +)")
        fail(f"{first} (overrides: {' '.join(overrides)})")
    try:
        load(plain)
        importlib.import_module(f"experiments.{plain['task']}")
    except ValueError as err:
        fail(str(err))
    except ModuleNotFoundError:
        fail(f"task={plain['task']!r}: no experiments/{plain['task']}.py")
    run_dir = next((a.partition("=")[2] for a in argv if a.startswith("hydra.run.dir=")),
                   "outputs")
    _writable(run_dir)


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through every atomic write's cleanup


def _cleanup(run_dir: Path) -> None:
    """Remove what this run put into its directory when it ends on bad input."""
    for name in (".hydra", "run.log"):
        target = run_dir / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            target.unlink()
    if run_dir.exists() and not any(run_dir.iterdir()):
        run_dir.rmdir()


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from engine.config import ConfigError

    try:
        experiment = importlib.import_module(f"experiments.{cfg.task}")
        experiment.run(cfg)
    except (ConfigError, ValueError, TypeError, FileNotFoundError) as err:
        if cfg.get("debug", False):
            raise
        _cleanup(Path(HydraConfig.get().runtime.output_dir))
        fail(str(err))


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    precheck(sys.argv[1:])
    main()
