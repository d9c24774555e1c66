"""download=True against a local HTTP server: success, cache hits, corrupt and truncated
files, mirror fallback, and no network at all."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading

import pytest

from ember.data._download import DownloadError, download_url
from ember.data.datasets import MNIST, FashionMNIST

from .idx_files import mnist_like


class _Server:
    """Serves ``files`` (name -> bytes) under /data/; records every request path.

    ``truncate`` names files sent with their full Content-Length but only half the body;
    ``corrupt`` names files whose bytes are changed in transit (the length stays right).
    """

    def __init__(self, files):
        self.files = dict(files)
        self.requests = []
        self.truncate = set()
        self.corrupt = set()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                name = self.path.rsplit("/", 1)[-1]
                if not self.path.startswith("/data/") or name not in outer.files:
                    self.send_error(404)
                    return
                body = outer.files[name]
                if name in outer.corrupt:
                    body = bytes([body[0] ^ 0xFF]) + body[1:]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if name in outer.truncate:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/data/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def _dead_url() -> str:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture
def files():
    return mnist_like(n_train=20, n_test=7, seed=5)


@pytest.fixture
def server(files):
    srv = _Server(files)
    yield srv
    srv.close()


def _point_at(monkeypatch, cls, mirrors, files, md5=None):
    monkeypatch.setattr(cls, "mirrors", list(mirrors))
    table = [(name, (md5 or {}).get(name, _md5(data))) for name, data in files.items()]
    monkeypatch.setattr(cls, "resources", table)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_download_success_then_cache_hit(tmp_path, server, files, monkeypatch):
    _point_at(monkeypatch, MNIST, [server.url], files)
    ds = MNIST(tmp_path, download=True)
    raw = tmp_path / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(files)
    for name, data in files.items():
        assert (raw / name).read_bytes() == data
    assert len(ds) == 20 and len(MNIST(tmp_path, train=False)) == 7
    assert sorted(server.requests) == sorted(f"/data/{n}" for n in files)
    server.requests.clear()
    again = MNIST(tmp_path, train=False, download=True)  # cached: no request at all
    assert server.requests == [] and len(again) == 7


def test_download_only_missing_files(tmp_path, server, files, monkeypatch):
    _point_at(monkeypatch, FashionMNIST, [server.url], files)
    monkeypatch.setattr(FashionMNIST, "system_dirs", ())
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(files["t10k-labels-idx1-ubyte.gz"])
    FashionMNIST(tmp_path, train=False, download=True)
    assert "/data/t10k-labels-idx1-ubyte.gz" not in server.requests
    assert len(server.requests) == 3


def test_checksum_mismatch_rejected_and_not_cached(tmp_path, server, files, monkeypatch):
    bad = "0" * 32
    _point_at(monkeypatch, MNIST, [server.url], files, md5={"train-images-idx3-ubyte.gz": bad})
    with pytest.raises(DownloadError) as err:
        MNIST(tmp_path, download=True)
    msg = str(err.value)
    real = _md5(files["train-images-idx3-ubyte.gz"])
    assert "train-images-idx3-ubyte.gz" in msg and bad in msg and real in msg
    assert "checksum mismatch" in msg
    raw = tmp_path / "MNIST" / "raw"
    assert not (raw / "train-images-idx3-ubyte.gz").exists()
    assert _leftovers(raw) == []


def test_corrupt_transfer_rejected(tmp_path, server, files, monkeypatch):
    _point_at(monkeypatch, MNIST, [server.url], files)
    server.corrupt.add("t10k-images-idx3-ubyte.gz")
    with pytest.raises(DownloadError, match="t10k-images-idx3-ubyte.gz: checksum mismatch"):
        MNIST(tmp_path, train=False, download=True)
    raw = tmp_path / "MNIST" / "raw"
    assert not (raw / "t10k-images-idx3-ubyte.gz").exists() and _leftovers(raw) == []


def test_truncated_transfer_rejected(tmp_path, server, files, monkeypatch):
    _point_at(monkeypatch, MNIST, [server.url], files)
    server.truncate.add("train-labels-idx1-ubyte.gz")
    with pytest.raises(DownloadError) as err:
        MNIST(tmp_path, download=True)
    msg = str(err.value)
    assert "train-labels-idx1-ubyte.gz" in msg and "truncated" in msg
    assert _md5(files["train-labels-idx1-ubyte.gz"]) in msg
    raw = tmp_path / "MNIST" / "raw"
    assert not (raw / "train-labels-idx1-ubyte.gz").exists() and _leftovers(raw) == []
    assert (raw / "train-images-idx3-ubyte.gz").exists()  # fetched before the failure
    server.truncate.clear()  # the next attempt fetches only what is missing
    server.requests.clear()
    assert len(MNIST(tmp_path, download=True)) == 20
    assert "/data/train-images-idx3-ubyte.gz" not in server.requests
    assert server.requests[0] == "/data/train-labels-idx1-ubyte.gz"


def test_falls_back_to_the_next_mirror(tmp_path, server, files, monkeypatch):
    _point_at(monkeypatch, MNIST, [_dead_url(), server.url], files)
    assert len(MNIST(tmp_path, download=True)) == 20


def test_no_network_says_where_to_put_the_files(tmp_path, files, monkeypatch):
    _point_at(monkeypatch, MNIST, [_dead_url(), _dead_url()], files)
    with pytest.raises(DownloadError) as err:
        MNIST(tmp_path, download=True)
    msg = str(err.value)
    assert "could not download train-images-idx3-ubyte.gz from any mirror" in msg
    assert str(tmp_path / "MNIST" / "raw") in msg and "copy the files" in msg


def test_download_url_404(tmp_path, server):
    with pytest.raises(OSError, match="404"):
        download_url(server.url + "nothing.gz", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_canonical_checksums_are_torchvisions():
    assert dict(MNIST.resources)["train-images-idx3-ubyte.gz"] == \
        "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert dict(MNIST.resources)["t10k-labels-idx1-ubyte.gz"] == \
        "ec29112dd5afa0611ce80d1b7f02629c"
    assert dict(FashionMNIST.resources)["train-images-idx3-ubyte.gz"] == \
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
    assert MNIST.mirrors[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
