"""MNIST-C's corruptions written from its published recipe (Mu and Gilmer 2019) with the
libraries the recipe uses (numpy, scipy, skimage, OpenCV, ImageMagick through wand), for the
tests of idxflow's corrupt(): an implementation independent of the TypeScript under test.

Usage: mnistc_reference.py IMAGES_IDX COUNT CASES_JSON OUT [DRAWS]
Reads the first COUNT images of an IDX file, applies each case [name, severity, direction]
(direction 0 draws it, as the recipe does) to every image, and writes the results, case after
case, as uint8 (the recipe's float32 clipped and truncated, as the released files hold them).
With DRAWS (float64 values in [0, 1)), np.random.uniform(low, high, size) takes its values from
that file in order, low + (high - low) u, instead of numpy's generator: the recipe's code run on
given draws.
"""
import json
import sys
import warnings
from io import BytesIO

import numpy as np
from skimage import feature, transform
from skimage.filters import gaussian

warnings.simplefilter('ignore')

LEVELS = {
    'shot_noise': [60, 25, 12, 5, 3],
    'impulse_noise': [.03, .06, .09, 0.17, 0.27],
    'gaussian_noise': [.08, .12, 0.18, 0.26, 0.38],
    'speckle_noise': [.15, .2, 0.35, 0.45, 0.6],
    'gaussian_blur': [1, 2, 3, 4, 6],
    'glass_blur': [(0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)],
    'motion_blur': [(10, 3), (15, 5), (15, 8), (15, 12), (20, 15)],
    'fog': [(1.5, 2), (2., 2), (2.5, 1.7), (2.5, 1.5), (3., 1.4)],
    'spatter': [(0.65, 0.3, 4, 0.69, 0.6), (0.65, 0.3, 3, 0.68, 0.6), (0.65, 0.3, 2, 0.68, 0.5),
                (0.65, 0.3, 1, 0.65, 1.5), (0.67, 0.4, 1, 0.65, 1.5)],
    'contrast': [0.4, .3, .2, .1, .05],
    'brightness': [.1, .2, .3, .4, .5],
    'quantize': [5, 4, 3, 2, 1],
    'shear': [0.2, 0.4, 0.6, 0.8, 1.],
    'rotate': [0.2, 0.4, 0.6, 0.8, 1.],
    'scale': [1 / .9, 1 / .8, 1 / .7, 1 / .6, 1 / .5],
    'translate': [1, 2, 3, 4, 5],
    'pixelate': [0.6, 0.5, 0.4, 0.3, 0.25],
    'defocus_blur': [(3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)],
    'jpeg_compression': [25, 18, 15, 10, 7],
    'elastic_transform': [(28 * 2, 28 * 0.7, 28 * 0.1), (28 * 2, 28 * 0.08, 28 * 0.2), (28 * 0.05, 28 * 0.01, 28 * 0.02),
                          (28 * 0.07, 28 * 0.01, 28 * 0.02), (28 * 0.12, 28 * 0.01, 28 * 0.02)],
    'zoom_blur': [np.arange(1, 1.11, 0.01), np.arange(1, 1.16, 0.01), np.arange(1, 1.21, 0.02),
                  np.arange(1, 1.26, 0.02), np.arange(1, 1.31, 0.03)],
}


def vertical_gaussian(x, sigma):
    # The recipe's gaussian(x, sigma, multichannel=True) on a 2-D image: the last axis is taken
    # for channels, so only axis 0 is smoothed.
    return gaussian(x, sigma=sigma, channel_axis=-1)


def centred(aff_kwargs):
    aff = transform.AffineTransform(**aff_kwargs)
    a1, a2 = aff.params[0, :2]
    b1, b2 = aff.params[1, :2]
    return transform.AffineTransform(**aff_kwargs, translation=[13.5 * (1 - a1 - a2), 13.5 * (1 - b1 - b2)])


def warp(x, aff):
    return np.clip(transform.warp(x / 255., inverse_map=aff), 0, 1) * 255


def sign(direction):
    return direction if direction != 0 else np.random.choice([-1, 1], 1)[0]


def line_from_points(c0, r0, c1, r1):
    if c1 == c0:
        return np.zeros((28, 28))
    cc, rr = np.meshgrid(np.linspace(0, 27, 28), np.linspace(0, 27, 28), sparse=True)
    m = (r1 - r0) / (c1 - c0)
    dist = np.clip(np.abs(rr - (m * (cc - c0) + r0)), 0, 2.3 - 1e-10)
    out = np.clip(np.log(1 - dist / 2.3) + 1, 0, 1)
    out[:, :int(np.floor(c0))] = 0
    out[:, int(np.ceil(c1)):] = 0
    return out


def plasma(decay, size=256):
    grid = np.zeros((size, size))
    step, wibble = size, 100.

    def wibbled(a):
        return a / 4 + wibble * np.random.uniform(-wibble, wibble, a.shape)

    while step >= 2:
        h = step // 2
        corners = grid[0:size:step, 0:size:step]
        acc = corners + np.roll(corners, -1, axis=0)
        acc = acc + np.roll(acc, -1, axis=1)
        grid[h:size:step, h:size:step] = wibbled(acc)
        mid = grid[h:size:step, h:size:step]
        corners = grid[0:size:step, 0:size:step]
        grid[0:size:step, h:size:step] = wibbled(mid + np.roll(mid, 1, axis=0) + corners + np.roll(corners, -1, axis=1))
        grid[h:size:step, 0:size:step] = wibbled(mid + np.roll(mid, 1, axis=1) + corners + np.roll(corners, -1, axis=0))
        step //= 2
        wibble /= decay
    grid -= grid.min()
    return grid / grid.max()


def motion_blur(x, radius, sigma):
    # ImageMagick's MagickMotionBlurImage through wand, as the recipe calls it (its pixels
    # passed raw rather than through PNG files: the same 8-bit grey image).
    from wand.image import Image as WandImage
    with WandImage(blob=x.astype(np.uint8).tobytes(), format='gray', width=28, height=28, depth=8) as img:
        MOTION.MagickMotionBlurImage(img.wand, radius, sigma, np.random.uniform(-45, 45))
        out = np.frombuffer(img.make_blob('gray'), np.uint8)
    return out.reshape(28, 28).astype(np.float64)


def motion_library():
    import ctypes
    from wand.api import library
    library.MagickMotionBlurImage.argtypes = (ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_double)
    return library


MOTION = motion_library()


def jpeg(x, quality):
    # PIL's own JPEG encoder and decoder (libjpeg), as the recipe saves and reloads the image.
    from PIL import Image
    out = BytesIO()
    Image.fromarray(x.astype(np.uint8), mode='L').save(out, 'JPEG', quality=quality)
    return np.array(Image.open(out)).astype(np.float32)


def elastic(x, alpha, sigma, shift):
    # The recipe's affine warp of three points (OpenCV, 0 outside), then a Gaussian-smoothed
    # uniform displacement field (skimage, mode 'reflect', truncate 3), sampled with
    # map_coordinates (order 1, 0 outside).
    import cv2
    from scipy.ndimage import map_coordinates
    image = (x / 255.).astype(np.float32)
    centre, square = np.float32((28, 28)) // 2, 28 // 3
    before = np.float32([centre + square, [centre[0] + square, centre[1] - square], centre - square])
    after = before + np.random.uniform(-shift, shift, size=before.shape).astype(np.float32)
    image = cv2.warpAffine(image, cv2.getAffineTransform(before, after), (28, 28), borderMode=cv2.BORDER_CONSTANT)
    dx = (gaussian(np.random.uniform(-1, 1, size=(28, 28)), sigma, mode='reflect', truncate=3) * alpha).astype(np.float32)
    dy = (gaussian(np.random.uniform(-1, 1, size=(28, 28)), sigma, mode='reflect', truncate=3) * alpha).astype(np.float32)
    cols, rows = np.meshgrid(np.arange(28), np.arange(28))
    where = np.reshape(rows + dy, (-1, 1)), np.reshape(cols + dx, (-1, 1))
    return np.clip(map_coordinates(image, where, order=1, mode='constant').reshape(28, 28), 0, 1) * 255


def corrupt(x, name, severity, direction):
    c = LEVELS[name][severity - 1] if severity else None
    u = x / 255.
    if name == 'identity':
        return x
    if name == 'inverse':
        return 255. - x
    if name == 'stripe':
        y = x.astype(np.float32)
        y[:, :7] = 255. - y[:, :7]
        y[:, 21:] = 255. - y[:, 21:]
        return y
    if name == 'quantize':
        y = x.astype(np.float32)
        y *= (2 ** c - 1) / 255.
        y = y.round()
        y *= 255. / (2 ** c - 1)
        return y
    if name == 'brightness':
        from skimage import color
        hsv = color.rgb2hsv(color.gray2rgb(u))
        hsv[:, :, 2] = np.clip(hsv[:, :, 2] + c, 0, 1)
        return np.clip(color.rgb2gray(color.hsv2rgb(hsv)), 0, 1) * 255
    if name == 'contrast':
        m = np.mean(u, axis=(0, 1), keepdims=True)
        return np.clip((u - m) * c + m, 0, 1) * 255
    if name == 'pixelate':
        from PIL import Image
        small = Image.fromarray(x.astype(np.uint8), mode='L').resize((int(28 * c), int(28 * c)), Image.BOX)
        return np.array(small.resize((28, 28), Image.BOX)).astype(np.float32)
    if name == 'zoom_blur':
        from scipy.ndimage import zoom
        f = (x / 255.).astype(np.float32)
        out = np.zeros_like(f)
        for z in c:
            ch = int(np.ceil(28 / float(z)))
            top = (28 - ch) // 2
            zoomed = zoom(f[top:top + ch, top:top + ch], (z, z), order=1)
            trim = (zoomed.shape[0] - 28) // 2
            out += zoomed[trim:trim + 28, trim:trim + 28]
        return np.clip((f + out) / (len(c) + 1), 0, 1) * 255
    if name == 'defocus_blur':
        import cv2
        radius, alias = c
        grid = np.arange(-8, 9) if radius <= 8 else np.arange(-radius, radius + 1)
        X, Y = np.meshgrid(grid, grid)
        disk = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=np.float32)
        disk /= np.sum(disk)
        disk = cv2.GaussianBlur(disk, ksize=(3, 3) if radius <= 8 else (5, 5), sigmaX=alias)
        return np.clip(cv2.filter2D(u, -1, disk), 0, 1) * 255
    if name == 'jpeg_compression':
        return jpeg(x, c)
    if name == 'elastic_transform':
        return elastic(x, *c)
    if name == 'canny_edges':
        return feature.canny(u).astype(np.float32) * 255
    if name in ('shear', 'rotate'):
        return warp(x, centred({name if name == 'shear' else 'rotation': c * sign(direction)}))
    if name == 'scale':
        return warp(x, centred({'scale': (c, c)}))
    if name == 'translate':
        dx, dy = c * sign(direction), c * sign(direction)
        return warp(x, transform.AffineTransform(translation=[dx, dy]))
    if name == 'gaussian_blur':
        return np.clip(vertical_gaussian(u, c), 0, 1) * 255
    if name == 'shot_noise':
        return np.clip(np.random.poisson(u * c) / float(c), 0, 1) * 255
    if name == 'impulse_noise':
        from skimage.util import random_noise
        return np.clip(random_noise(u, mode='s&p', amount=c), 0, 1) * 255
    if name == 'gaussian_noise':
        return np.clip(u + np.random.normal(size=u.shape, scale=c), 0, 1) * 255
    if name == 'speckle_noise':
        return np.clip(u + u * np.random.normal(size=u.shape, scale=c), 0, 1) * 255
    if name == 'glass_blur':
        sigma, delta, passes = c
        y = np.uint8(vertical_gaussian(u, sigma) * 255).tolist()
        # The recipe's sweeps, its draws made in bulk first (same distributions, faster loop).
        span = list(range(28 - delta, delta, -1))
        coins = (np.random.rand(passes, len(span), len(span)) < 0.5).tolist()
        steps = np.random.randint(-delta, delta, size=(passes, len(span), len(span), 2)).tolist()
        for k in range(passes):
            for i, h in enumerate(span):
                for j, w in enumerate(span):
                    if coins[k][i][j]:
                        dx, dy = steps[k][i][j]
                        y[h][w], y[h + dy][w + dx] = y[h + dy][w + dx], y[h][w]
        return np.clip(vertical_gaussian(np.array(y, dtype=np.uint8) / 255., sigma), 0, 1) * 255
    if name == 'motion_blur':
        return motion_blur(x, *c)
    if name == 'fog':
        top = u.max()
        y = u + c[0] * plasma(c[1])[:28, :28]
        return np.clip(y * top / (top + c[0]), 0, 1) * 255
    if name == 'spatter':
        liquid = gaussian(np.random.normal(size=u.shape, loc=c[0], scale=c[1]), sigma=c[2])
        liquid[liquid < c[3]] = 0
        m = gaussian(np.where(liquid > c[3], 1, 0).astype(np.float32), sigma=c[4])
        m[m < 0.8] = 0
        return np.clip(u * (1 - m) + 63 / 255. * m, 0, 1) * 255
    if name in ('dotted_line', 'line'):
        if name == 'line':
            c0, c1 = np.random.randint(0, 5), np.random.randint(22, 27)
            r0, r1 = np.random.randint(0, 27, size=2)
            return np.clip(u + line_from_points(c0, r0, c1, r1), 0, 1) * 255
        r0, r1 = np.random.randint(0, 27, size=2)
        layer = line_from_points(0, r0, 27, r1)
        for start in range(0, 28, 4):
            layer[:, start:start + 2] = 0
        return np.clip(u + layer, 0, 1) * 255
    if name == 'zigzag':
        a, b, c0, c1 = 2., 2., 2, 25
        r0 = np.random.randint(0, 27)
        r1 = r0 + np.random.randint(-5, 5)
        theta = np.arctan((r1 - r0) / (c1 - c0))
        d = (c1 - c0) / np.cos(theta)
        pts = [(0, 0)]
        for i in range(int((d - a) // (2 * a)) + 1):
            r_i = (-1) ** i * b
            pts.append(((2 * i + 1) * a, r_i))
        end = (2 * a) * (d // (2 * a))
        if d != end:
            pts.append((d, r_i / (2 * (d - end))))
        pts = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]]).dot(np.array(pts).T)
        cs, rs = pts[0] + c0, pts[1] + r0
        y = u.copy()
        for i in range(1, pts.shape[1]):
            y = np.clip(y + line_from_points(cs[i - 1], rs[i - 1], cs[i], rs[i]), 0, 1)
        return y * 255
    raise ValueError(name)


def main():
    path, count, cases, out = sys.argv[1], int(sys.argv[2]), json.loads(open(sys.argv[3]).read()), sys.argv[4]
    images = np.fromfile(path, dtype=np.uint8, offset=16)[:count * 784].reshape(count, 28, 28).astype(np.float64)
    np.random.seed(0)
    if len(sys.argv) > 5:
        draws, cursor = np.fromfile(sys.argv[5]), [0]

        def given(low=0.0, high=1.0, size=None):
            n = int(np.prod(size)) if size is not None else 1
            u = draws[cursor[0]:cursor[0] + n]
            cursor[0] += n
            v = low + (high - low) * u
            return v.reshape(size) if size is not None else v[0]

        np.random.uniform = given
    with open(out, 'wb') as f:
        for name, severity, direction in cases:
            result = np.stack([np.clip(np.asarray(corrupt(x, name, severity, direction), dtype=np.float32), 0, 255) for x in images])
            f.write(result.astype(np.uint8).tobytes())


main()
