"""One configuration path for the command line, the Python API and sweeps.

``prepare(overrides)`` composes conf/config.yaml with the overrides (Hydra's public ``compose``),
checks everything a run needs before any work (types while composing, then keys, names, every
section's ranges, priors against the model's domain, the experiment's own checks) and returns a
:class:`Prepared` run: the engine's :class:`~engine.config.Settings`, the attributes every saved
Dataset carries, the experiment and the command that reproduces it. Every refusal is one
:class:`~engine.config.ConfigError` whose text is the line the command line prints (naming the
key and the value). The command line composes through ``hydra.main`` instead (for its run
directories, logs and sweepers) and hands the composed configuration to :func:`load`, the same
checks.

The root configuration class is derived from the experiments' declarations
(:func:`schema`): the sections every run has (:class:`engine.config.RunConfig`) plus one
optional field per experiment section.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shlex
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from engine.config import ConfigError, RunConfig, Settings, build
from engine.resources import conf_dir
from experiments.base import Experiment, registry

#: Config groups whose option names label a run's results (``actor.name``, ``policy.name``).
NAMED_GROUPS = ("actor", "policy", "investment")


@dataclass(frozen=True)
class Prepared:
    """A checked run: what the engine needs, and what its files record."""

    settings: Settings
    attrs: dict[str, Any]
    experiment: Experiment
    command: str


# ----------------------------------------------------------------------------- the schema


@functools.cache
def schema() -> type:
    """The root configuration class: :class:`RunConfig` plus one optional field per section."""
    sections = [(name, Optional[exp.section], dataclasses.field(default=None))  # noqa: UP007
                for name, exp in registry().items() if exp.section is not None]
    clashes = [n for n, *_ in sections if n in {f.name for f in dataclasses.fields(RunConfig)}]
    if clashes:
        raise TypeError(f"experiment sections {clashes} clash with keys every run has")
    return dataclasses.make_dataclass("MeekConfig", sections, bases=(RunConfig,))


def register() -> None:
    """Store the schema for conf/config.yaml's ``meek_schema`` default, and the help text's
    resolver (``${meek_help:}`` in conf/config.yaml's ``hydra.help.template``)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="meek_schema", node=schema())
    if not OmegaConf.has_resolver("meek_help"):
        OmegaConf.register_new_resolver("meek_help", help_text)


def help_text() -> str:
    """The experiments, from their own declarations (``--help``)."""
    rows = [("(none)", "the model's key numbers in the authors' setting and at the priors' "
                       "medians", "")]
    rows += [(f"experiment={n}", e.summary, e.writes) for n, e in registry().items()
             if n != "summary"]
    width = max(len(r[0]) for r in rows)
    lines = []
    for name, summary, writes in rows:
        text = summary + (f" (writes {writes})" if writes else "")
        lines += textwrap.wrap(text, 96, initial_indent=f"  {name:<{width}}  ",
                               subsequent_indent=" " * (width + 4))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- composing


def compose(overrides: Sequence[str], config_name: str = "config") -> DictConfig:
    """conf/config.yaml with ``overrides`` (the Hydra node included), or a ConfigError."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register()
    overrides = as_overrides(overrides)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            return hydra_compose(config_name=config_name, overrides=overrides,
                                 return_hydra_config=True)
    except Exception as err:  # Hydra's, OmegaConf's and YAML's errors: one line
        raise ConfigError(translate(err, overrides)) from err
    finally:
        GlobalHydra.instance().clear()


def as_overrides(overrides: str | Sequence[str]) -> list[str]:
    """A list of override strings (one string is one override, not its characters), renamed
    keys under their new names (:func:`renamed`, with a FutureWarning) and a prior given whole
    replaced (:func:`replacing_priors`)."""
    if isinstance(overrides, str):
        overrides = [overrides]
    out = list(overrides)
    bad = [o for o in out if not isinstance(o, str)]
    if bad:
        raise ConfigError(f"overrides={bad[0]!r}: each override must be a string like "
                          "'sampler.n=1000'")

    def warn(line: str) -> None:
        import warnings
        warnings.warn(line, FutureWarning, stacklevel=4)
    return replacing_priors(renamed(out, warn))


#: Keys that were renamed: old -> new. An old key keeps working until the release named here
#: (CHANGELOG.md), with one warning line naming the new key.
RENAMED: dict[str, tuple[str, str]] = {
    "calibration": ("fan.calibration", "0.4.0"),
    "policy.export_control_strength": ("priors.export_control_strength.value", "0.4.0"),
    "policy.diffusion_lag_years": ("priors.diffusion_lag_years.value", "0.4.0"),
}


def renamed(overrides: Sequence[str], warn: Any = None) -> list[str]:
    """The overrides with renamed keys (:data:`RENAMED`) under their new names; ``warn(line)``
    is called once per renamed key given.

    Example
    -------
    >>> said = []
    >>> renamed(["policy.export_control_strength=0.3,0.6", "sampler.n=10"], said.append)
    ['priors.export_control_strength.value=0.3,0.6', 'sampler.n=10']
    >>> said
    ['policy.export_control_strength= is renamed priors.export_control_strength.value= (the old \
name works until 0.4.0; see CHANGELOG.md)']
    """
    out = []
    for o in overrides:
        key, sep, value = o.lstrip("+~").partition("=")
        if sep and key in RENAMED:
            new, until = RENAMED[key]
            if warn is not None:
                warn(f"{key}= is renamed {new}= (the old name works until {until}; see "
                     "CHANGELOG.md)")
            o = f"{new}={value}"
        out.append(o)
    return out


_WHOLE_PRIOR = re.compile(r"^priors\.(?P<name>\w+)=(?P<value>\{.*\bdist\s*:.*\})\s*$", re.S)


def replacing_priors(overrides: Sequence[str]) -> list[str]:
    """``priors.NAME={dist: ..., ...}`` (a whole prior, with its distribution) replaces the
    prior NAME instead of being merged into it (a merge would keep the old distribution's keys,
    and Hydra refuses the new ones): it becomes ``~priors.NAME`` and ``+priors.NAME={...}``,
    as the README's examples expect. Other overrides are kept as they are.

    Example
    -------
    >>> replacing_priors(["priors.g_hw={dist: uniform, low: 1.3, high: 1.5}", "seed=1"])
    ['~priors.g_hw', '+priors.g_hw={dist: uniform, low: 1.3, high: 1.5}', 'seed=1']
    """
    out: list[str] = []
    for o in overrides:
        found = _WHOLE_PRIOR.match(o)
        if found and found["name"] != "scaling_law":
            out += [f"~priors.{found['name']}", f"+priors.{found['name']}={found['value']}"]
        else:
            out.append(o)
    return out


def prepare(overrides: str | Sequence[str] = ()) -> Prepared:
    """Compose and check a run (see the module docstring); a refusal is one ConfigError whose
    text is the command line's line (without its ``error:``)."""
    overrides = as_overrides(overrides)
    try:
        return load(compose(overrides), overrides)
    except ConfigError as err:
        line = " ".join(str(err).split())
        if line != str(err):
            raise ConfigError(line) from err
        raise


def load(cfg: DictConfig, overrides: Sequence[str] | None = None,
         sources: Sequence[Path] | None = None) -> Prepared:
    """Check a composed configuration and build the run's objects, or a ConfigError.

    Parameters
    ----------
    cfg : DictConfig
        As Hydra composed it, with or without its ``hydra`` node.
    overrides : sequence of str, optional
        The task's overrides (for the reproducing command); by default ``hydra.overrides.task``.
    sources : sequence of Path, optional
        The configuration directories searched; by default those of the Hydra node, else conf/.
    """
    hydra_node = cfg.get("hydra") if "hydra" in cfg else None
    if overrides is None:
        overrides = list(hydra_node.overrides.task) if hydra_node is not None else []
    if sources is None:
        sources = [Path(s.path) for s in hydra_node.runtime.config_sources
                   if s.schema == "file"] if hydra_node is not None else [conf_dir()]
    task_cfg = cfg.copy()
    with open_dict(task_cfg), read_write(task_cfg):
        task_cfg.pop("hydra", None)
    try:
        check_keys(task_cfg)
        check_names(task_cfg, sources)
        plain = OmegaConf.to_container(task_cfg, resolve=True)
        typed = OmegaConf.to_object(task_cfg)
    except ConfigError:
        raise
    except Exception as err:  # OmegaConf's checks of a value against its type
        raise ConfigError(translate(err, overrides)) from err
    experiments = registry()
    if typed.task not in experiments:
        raise ConfigError(f"task={typed.task!r}: unknown; allowed: {', '.join(experiments)}")
    settings = build(typed, plain)
    experiment = experiments[typed.task]
    try:
        experiment.check(settings)
    except ConfigError:
        raise
    except (ValueError, OSError) as err:  # the engine's own checks name the key and the value
        raise ConfigError(str(err)) from None
    command = command_line(overrides)
    from experiments.common import attrs as make_attrs

    attrs = make_attrs(settings, OmegaConf.to_yaml(task_cfg, resolve=True), command)
    return Prepared(settings, attrs, experiment, command)


def command_line(overrides: Sequence[str]) -> str:
    """``python run.py`` with the overrides, each quoted so that bash passes it unchanged."""
    kept = [o for o in overrides if not o.startswith("hydra.")]
    return " ".join(["python run.py", *(shlex.quote(o) for o in kept)])


def check_keys(cfg: DictConfig) -> None:
    """Refuse keys the schema does not have (Hydra lets '+key=...' add any key)."""

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, DictConfig):
            return
        kind = OmegaConf.get_type(node)
        if not dataclasses.is_dataclass(kind):
            return
        allowed = {f.name for f in dataclasses.fields(kind)}
        for k in node.keys():
            if k not in allowed:
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


def group_options(group: str, sources: Sequence[Path]) -> set[str]:
    """The options of a config group in the directories searched."""
    return {p.stem for root in sources for p in (Path(root) / group).glob("*.yaml")}


def check_names(cfg: DictConfig, sources: Sequence[Path]) -> None:
    """actor.name and policy.name label a run's results: they must name a config option."""
    for group in NAMED_GROUPS:
        options = group_options(group, sources) | {"none"}
        name = OmegaConf.select(cfg, f"{group}.name")
        if name is not None and name not in options:
            raise ConfigError(f"{group}.name={name!r}: not a {group} of conf/{group}/; choose "
                              f"one with {group}=<option> ({', '.join(sorted(options))})")


# ----------------------------------------------------------------------------- errors


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


#: (a pattern found in the error's text, what to say, for which keys: "" any, "." dotted keys,
#: "section" a key of the root). ``{key}`` is the key named by the pattern or by OmegaConf,
#: ``{value}`` the value the overrides gave it; the first match wins.
RULES: tuple[tuple[str, str, str], ...] = (
    (r"Could not append to config\. An item is already at '(?P<key>[^']+)'",
     "+{key}={value!r}: the key exists already; set it without the leading +", ""),
    (r"Could not delete from config\. '(?P<key>[^']+)' does not exist",
     "{key}: no such key in the configuration to replace or remove (a typo?)", ""),
    (r"Could not override '(?P<key>[^']+)'",
     "{key}={value!r}: no such key in the configuration (a typo? new keys need a leading +)", ""),
    (r"Cannot find primary config '(?P<key>[^']+)'",
     "--config-name={key!r}: no such config in conf/ (or the --config-dir)", ""),
    (r"could not be converted to Integer", "{key}={value!r}: must be a whole number", ""),
    (r"could not be converted to Float", "{key}={value!r}: must be a number", ""),
    (r"could not be converted to Boolean|is not a valid bool",
     "{key}={value!r}: must be true or false", ""),
    (r"Cannot convert .* to string",
     "{key}={value!r}: must be a single name or string, not a list", ""),
    (r"is not a ListConfig", "{key}={value!r}: must be a list, e.g. {key}=[...]", ""),
    (r"is not a subclass of|Invalid type assigned",
     "{key}={value!r}: {key} is a section of settings, not a value or a config group; set its "
     "keys, e.g. {key}.<key>=...", "section"),
    (r"is not a subclass of|Invalid type assigned",
     "{key}={value!r}: not a value of this key's type", "."),
    (r"not in '", "{key}={value!r}: no such key in the configuration", ""),
    (r"Missing mandatory value", "{key}: missing (give it a value: {key}=...)", ""),
)


def translate(err: BaseException, overrides: Sequence[str]) -> str:
    """One line naming the key and the value for Hydra's, OmegaConf's and YAML's composition
    errors (Hydra wraps the telling one: the whole chain of causes is read)."""
    from hydra.errors import MissingConfigException, OverrideParseException

    chain = _chain(err)
    text = "\n".join(str(e).strip() for e in chain)
    first = (str(chain[0]).strip().splitlines() or [type(err).__name__])[0]
    key = next((str(e.full_key) for e in chain if getattr(e, "full_key", None)), None)

    def given(k: str) -> str:
        for o in overrides:
            name, _, value = o.lstrip("+~").partition("=")
            if name in (k, k.split("[", 1)[0]):
                return value
        return "?"

    value = given(key) if key else "?"
    if key and "[" in key:  # an element of a list: name the list and the value given
        base, index = key.split("[", 1)
        key = f"{base} (element {index.rstrip(']')})"

    yaml_error = next((e for e in chain if type(e).__module__.startswith("yaml")), None)
    if yaml_error is not None:
        mark = getattr(yaml_error, "problem_mark", None)
        where = f"{mark.name}, line {mark.line + 1}" if mark is not None else "a YAML file"
        problem = getattr(yaml_error, "problem", None) or str(yaml_error).splitlines()[0]
        return f"{where}: YAML syntax error ({problem}); fix the file or leave it out"
    if any(isinstance(e, OverrideParseException) for e in chain):
        bad = next((o for o in overrides if not _parses(o)), first)
        name, _, val = bad.partition("=")
        return f"{bad}: Hydra cannot parse this override; quote the value, e.g. '{name}=\"{val}\"'"
    missing = next((e for e in chain if isinstance(e, MissingConfigException)
                    and e.missing_cfg_file and "/" in e.missing_cfg_file), None)
    if missing is not None:
        group, _, option = str(missing.missing_cfg_file).rpartition("/")
        return f"{group}={option!r}: unknown; allowed: {', '.join(missing.options or [])}"
    if "Unexpected type for root: NoneType" in text:  # a section of another experiment
        sections = {n for n, e in registry().items() if e.section is not None}
        for o in overrides:
            name, _, val = o.lstrip("+~").partition("=")
            if name.split(".")[0] in sections and "." in name:
                section = name.split(".")[0]
                return (f"{name}={val!r}: the {section} settings belong to "
                        f"experiment={section}; add experiment={section}")
    if key and re.search(r"could not be converted to Integer", text):
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if number == number and abs(number) != float("inf") and number == int(number):
            if abs(number) >= 1e10:
                return (f"{key}={value!r}: too large ({number:.3g}), and written as a decimal; "
                        f"give a whole number in digits")
            return (f"{key}={value!r}: written as a decimal; give a whole number in digits "
                    f"({key}={int(number)})")
    for pattern, template, keys in RULES:
        found = re.search(pattern, text)
        named = found.groupdict().get("key") if found else None
        k = named or key
        if found is None or k is None or (keys == "." and "." not in k) or (
                keys == "section" and "." in k):
            continue
        return template.format(key=k, value=given(k) if named else value)
    return f"{first} (overrides: {' '.join(overrides)})"
