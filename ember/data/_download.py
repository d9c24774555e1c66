"""Downloading dataset files: mirrors tried in turn, MD5 verified before a file enters the cache.

A download goes to a hidden temporary file in the target folder and is renamed into place only
after its length and checksum check out, so a truncated or corrupt download never lands in the
cache (and an interrupted one leaves nothing behind).
"""

from __future__ import annotations

import os

__all__ = ["DownloadError", "calculate_md5", "check_integrity", "download_from_mirrors",
           "download_url"]

USER_AGENT = "ember-data"
TIMEOUT = 30  # seconds without data before a mirror is given up


class DownloadError(RuntimeError):
    """A download failed: the network, the server, or the file's length or checksum."""


class _BadFile(DownloadError):
    """The server answered, but the file is truncated or has the wrong checksum."""


def calculate_md5(path, chunk_size: int = 1 << 20) -> str:
    """The MD5 hex digest of the file at ``path``."""
    import hashlib

    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def check_integrity(path, md5: str | None = None) -> bool:
    """Whether ``path`` is a file (with MD5 ``md5`` when given)."""
    if not os.path.isfile(path):
        return False
    return md5 is None or calculate_md5(path) == md5


def download_url(url: str, folder, filename: str | None = None, md5: str | None = None,
                 timeout: float = TIMEOUT) -> str:
    """Download ``url`` to ``folder/filename``, verifying ``md5``; returns the file's path.

    Raises ``DownloadError`` naming the file (and both checksums) when the download is
    truncated or corrupt; the partial file is removed. Network errors propagate as ``OSError``.
    """
    import hashlib
    import http.client
    import tempfile
    import urllib.request

    filename = filename or os.path.basename(url.rstrip("/"))
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    dest = os.path.join(folder, filename)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{filename}.", suffix=".part")
    h = hashlib.md5(usedforsecurity=False)
    size = 0
    try:
        with os.fdopen(fd, "wb") as f:
            req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                length = resp.headers.get("Content-Length")
                expected = int(length) if length and length.isdigit() else None
                try:
                    while True:
                        chunk = resp.read(1 << 16)
                        if not chunk:
                            break
                        f.write(chunk)
                        h.update(chunk)
                        size += len(chunk)
                except http.client.IncompleteRead as e:
                    h.update(e.partial)
                    size += len(e.partial)
        got = h.hexdigest()
        if expected is not None and size != expected:
            raise _BadFile(f"{filename}: the download from {url} was truncated ({size} of "
                           f"{expected} bytes): expected MD5 {md5}, got {got}; "
                           "the partial file was discarded")
        if md5 is not None and got != md5:
            raise _BadFile(f"{filename}: checksum mismatch for the download from {url}: "
                           f"expected MD5 {md5}, got {got}; the file was discarded")
        os.replace(tmp, dest)
        return dest
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def download_from_mirrors(mirrors, filename: str, folder, md5: str | None = None,
                          hint: str = "") -> str:
    """Download ``filename`` from the first of ``mirrors`` (URL prefixes) that delivers it
    intact into ``folder``; returns its path. Raises ``DownloadError`` listing every
    mirror's failure, with ``hint`` (where to put the file by hand) when none was reachable."""
    import http.client

    failures = []
    for mirror in mirrors:
        url = mirror if mirror.endswith("/") else mirror + "/"
        url += filename
        try:
            return download_url(url, folder, filename, md5)
        except _BadFile as e:
            failures.append(str(e))
        except (OSError, http.client.HTTPException, ValueError) as e:
            failures.append(f"{url}: {type(e).__name__}: {e}")
    msg = f"could not download {filename} from any mirror:\n  " + "\n  ".join(failures)
    if hint:
        msg += "\n" + hint
    raise DownloadError(msg)
