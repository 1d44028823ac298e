"""Checks a joined file against its inputs with FFmpeg's demuxer and
decoders (PyAV): its length is the inputs' summed length within one frame,
it has every input frame, and at each join its sound is within one frame of
its picture.

usage: check_join.py JOINED TONES INPUT...   (TONES 1: the inputs carry
make_clips.py's tone/silence pattern, so the sound's joins are located)"""
import sys

import av
import numpy as np

joined, tones, inputs = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]


def video_facts(path):
    with av.open(path) as c:
        stream = c.streams.video[0]
        greys, times, digests = [], [], []
        for frame in c.decode(stream):
            picture = frame.to_ndarray(format="gray")
            greys.append(float(picture[picture.shape[0] * 3 // 4 :, :].mean()))
            times.append(float(frame.time))
            digests.append(hash(picture.tobytes()))
        rate = float(stream.average_rate)
    return greys, times, rate, digests


av.logging.set_level(av.logging.VERBOSE)
with av.logging.Capture() as logs:
    counts, durations, expected = [], [], []
    for path in inputs:
        greys, times, rate, digests = video_facts(path)
        counts.append(len(greys))
        durations.append(len(greys) / rate)
        expected += digests
    greys, times, rate, digests = video_facts(joined)
    frame = 1.0 / rate
    with av.open(joined) as c:
        container_seconds = c.duration / av.time_base
        audio = c.streams.audio[0] if c.streams.audio else None
        sound = []
        if audio is not None:
            for chunk in c.decode(audio):
                data = chunk.to_ndarray()
                start = float(chunk.time)
                sound.append((start, data.reshape(-1)))
problems = [entry for entry in logs if entry[0] <= av.logging.WARNING]
assert not problems, problems

assert len(greys) == sum(counts), ("frames", len(greys), "inputs", counts)
# Lossless: every picture is the inputs' own, in order.
wrong = [i for i, (a, b) in enumerate(zip(digests, expected)) if a != b]
assert not wrong, ("pictures differ from the inputs' at", wrong[:10])
total = sum(durations)
assert abs(container_seconds - total) <= frame, ("duration", container_seconds, total)
assert abs(times[-1] + frame - total) <= frame, ("last frame time", times[-1], total)

joins = [sum(durations[:i]) for i in range(1, len(inputs))]
if tones:
    # The picture changes brightness at each join, exactly at the frame count.
    firsts = [sum(counts[:i]) for i in range(1, len(inputs))]
    for first in firsts:
        assert abs(greys[first] - greys[first - 1]) > 20, ("no cut at frame", first)
    # The sound switches between tone and silence at each join.
    rate_a = 48000
    samples = np.concatenate([data for _, data in sound])
    start = sound[0][0]
    window = rate_a // 100
    loud = [float(np.abs(samples[i : i + window]).mean()) > 0.05 for i in range(0, len(samples) - window, window)]
    switches = [start + i * window / rate_a for i in range(1, len(loud)) if loud[i] != loud[i - 1]]
    for join in joins:
        nearest = min(switches, key=lambda s: abs(s - join))
        assert abs(nearest - join) <= frame, ("sound switches at", nearest, "picture at", join, switches)
elif sound:
    # Silent clips: the sound runs the whole length, continuously across joins.
    ends = [s + len(d) / 48000 for s, d in sound]
    for (s0, _), e0, (s1, _) in zip(sound, ends, sound[1:]):
        assert abs(s1 - e0) <= frame, ("gap in the sound", e0, s1)
    assert abs(ends[-1] - total) <= frame + 1024 / 48000, ("sound ends at", ends[-1], total)
print(f"ok {len(greys)} frames, {container_seconds:.3f} s, joins at {joins}")
