"""Checks that a PNG is the picture FFmpeg decodes at a frame of a video
(within rounding of the two decoders' colour conversions).

usage: same_picture.py PNG VIDEO INDEX|last"""
import sys

import av
import numpy as np

png, video, which = sys.argv[1:4]
with av.open(png) as c:
    mine = next(c.decode(video=0)).to_ndarray(format="rgb24").astype(int)
with av.open(video) as c:
    frames = [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]
index = len(frames) - 1 if which == "last" else int(which)
theirs = frames[index]
assert mine.shape == theirs.shape, (mine.shape, theirs.shape)
diff = float(np.abs(mine - theirs).mean())
assert diff < 3, ("mean difference", diff)
# Neighbouring frames differ (the counter moves), so a frame off by one shows.
for other in (index - 1, index + 1):
    if 0 <= other < len(frames):
        near = float(np.abs(mine - frames[other]).mean())
        assert diff < near, ("frame", other, "is closer", near, diff)
print(f"ok mean difference {diff:.2f}")
