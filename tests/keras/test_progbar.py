"""keras.progbar.Progbar: Keras 3's progress line, on a terminal and in logs."""

import contextlib
import io
import re

import pytest

from ember.keras import progbar
from ember.keras.progbar import Progbar, format_eta, format_time_per_unit, format_value

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run(stream, target, updates, **kwargs):
    with contextlib.redirect_stdout(stream):
        bar = Progbar(target, **kwargs)
        for step, values in updates:
            bar.update(step, values)
    return stream.getvalue()


def test_time_units_follow_keras():
    assert format_time_per_unit(2.4) == "2s/step"
    assert format_time_per_unit(0.0123) == "12ms/step"
    assert format_time_per_unit(0.000456) == "456us/step"
    assert format_time_per_unit(0.0) == "0s/step"
    assert format_time_per_unit(0.5, "sample") == "500ms/sample"


def test_eta_and_value_formats():
    assert format_eta(30.7) == "30s"
    assert format_eta(125) == "2:05"
    assert format_eta(3725) == "1:02:05"
    assert format_value(0.62834) == "0.6283"
    assert format_value(-1.5) == "-1.5000"
    assert format_value(0.00001234) == "1.2340e-05"


def test_not_a_terminal_prints_one_plain_line_at_the_end():
    out = run(io.StringIO(), 5, [(i, [("accuracy", 0.5), ("loss", 1.0 / i)]) for i in range(1, 6)],
              stateful_metrics=["accuracy", "loss"])
    assert out.count("\n") == 1
    assert "\r" not in out and "\x1b" not in out
    assert re.fullmatch(r"5/5 ━{20} \d+s \d+(us|ms|s)/step - accuracy: 0\.5000 - loss: 0\.2000\n",
                        out)


def test_terminal_rewrites_the_line_with_colours():
    out = run(Terminal(), 4, [(i, [("loss", 1.0)]) for i in range(1, 5)], interval=0.0)
    frames = out.split("\r")[1:]
    assert len(frames) == 4  # interval 0: every update redraws
    plain = [ANSI.sub("", f) for f in frames]
    assert plain[0].startswith("1/4 ━━━━━") and " - loss: 1.0000" in plain[0]
    assert plain[-1].endswith("\n") and re.match(r"4/4 ━{20} \d+s ", plain[-1])
    assert "\x1b[32m" in frames[-1]  # the done part of the bar is green
    assert frames[0].count("━") == 20  # 5 done (green) + 15 to go (dim)


def test_terminal_updates_are_throttled_but_the_end_always_shows():
    out = run(Terminal(), 100, [(i, [("loss", 1.0)]) for i in range(1, 101)], interval=60.0)
    assert out.count("\r") == 2  # the first update, then the final one
    assert out.endswith("\n")


def test_running_values_are_averaged_over_steps_unless_stateful():
    out = run(Terminal(), 10, [(1, [("loss", 1.0), ("acc", 1.0)]),
                               (3, [("loss", 4.0), ("acc", 0.25)])],
              interval=0.0, stateful_metrics=["acc"])
    last = ANSI.sub("", out.split("\r")[-1])
    # loss: (1 * 1 step + 4 * 2 steps) / 3 steps; acc shown as given
    assert "loss: 3.0000" in last and "acc: 0.2500" in last


def test_the_final_line_shows_the_last_values_given():
    out = run(io.StringIO(), 2, [(1, [("loss", 1.0)]), (2, [("loss", 3.0)])])
    assert out.rstrip().endswith("loss: 3.0000")


def test_verbose_2_prints_a_line_without_bar():
    out = run(io.StringIO(), 1875, [(1875, [("accuracy", 0.78125), ("loss", 0.62834)])],
              verbose=2)
    assert re.fullmatch(r"1875/1875 - \d+s - \d+(us|ms|s)/step - accuracy: 0\.7812 - "
                        r"loss: 0\.6283\n", out)


def test_verbose_0_prints_nothing():
    assert run(io.StringIO(), 3, [(i, [("loss", 1.0)]) for i in range(1, 4)], verbose=0) == ""


def test_unknown_target():
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        bar = Progbar(None)
        bar.update(7, [("loss", 0.5)])
        bar.update(7, finalize=True)
    assert re.fullmatch(r" {6}7/Unknown \d+s \d+(us|ms|s)/step - loss: 0\.5000\n",
                        stream.getvalue())


def test_step_counts_are_right_aligned_to_the_target_width():
    out = run(Terminal(), 100, [(7, [])], interval=0.0)
    assert ANSI.sub("", out).startswith("\r  7/100 ")


def test_time_per_step_leaves_out_the_first_step(monkeypatch):
    clock = iter([0.0, 5.0, 6.0, 7.0])  # creation, step 1 (slow), steps 2 and 3
    monkeypatch.setattr(progbar.time, "time", lambda: next(clock))
    out = run(io.StringIO(), 3, [(1, []), (2, []), (3, [])])
    assert out == "3/3 ━━━━━━━━━━━━━━━━━━━━ 7s 1s/step\n"


@pytest.mark.parametrize("seconds, text", [(1.0, "1s/step"), (0.001, "1ms/step")])
def test_unit_boundaries(seconds, text):
    assert format_time_per_unit(seconds) == text
