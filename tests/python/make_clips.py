"""Writes clips the way real encoders do (x264 with B-frames, AAC with its
priming edit list) for the stitching tests: clip N is a flat grey picture of
its own brightness with a counter, and its sound is a tone in odd clips and
silence in even ones, so the joins can be found in the picture and the sound.

usage: make_clips.py DIR SECONDS... [--size WxH] [--bitrate BPS]"""
import fractions
import sys

import av
import numpy as np

FPS = 24
RATE = 48000


def make(path, index, seconds, width, height, bitrate):
    with av.open(path, "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"bf": "2", "g": str(FPS * 2)}
        if bitrate:
            video.bit_rate = bitrate
            video.options.update({"preset": "veryfast", "maxrate": str(bitrate), "bufsize": str(bitrate)})
        audio = out.add_stream("aac", rate=RATE)
        audio.layout = "mono"
        grey = 40 + 60 * index
        rng = np.random.default_rng(index)
        for n in range(FPS * seconds):
            picture = np.full((height, width, 3), grey, dtype=np.uint8)
            picture[: height // 8, : (n % FPS + 1) * width // FPS] = 255
            if bitrate:
                # Noise that no encoder can shrink: the file reaches its bitrate.
                picture[height // 2 :] = rng.integers(0, 255, (height - height // 2, width, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = n
            frame.time_base = fractions.Fraction(1, FPS)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        total = RATE * seconds
        t = np.arange(total) / RATE
        level = 0.4 if index % 2 == 0 else 0.0
        samples = (level * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, total, 1024):
            chunk = samples[start : start + 1024]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
            frame.sample_rate = RATE
            frame.pts = start
            frame.time_base = fractions.Fraction(1, RATE)
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)


def main():
    args = sys.argv[1:]
    width, height, bitrate = 320, 240, 0
    if "--size" in args:
        at = args.index("--size")
        width, height = map(int, args[at + 1].split("x"))
        del args[at : at + 2]
    if "--bitrate" in args:
        at = args.index("--bitrate")
        bitrate = int(args[at + 1])
        del args[at : at + 2]
    folder, seconds = args[0], [int(s) for s in args[1:]]
    for index, secs in enumerate(seconds):
        make(f"{folder}/clip{index}.mp4", index, secs, width, height, bitrate)
        print(f"{folder}/clip{index}.mp4")


main()
