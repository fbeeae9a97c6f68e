// Drawing for the explore page: the grid (each byte a ZOOM x ZOOM grey square, exactly the
// byte: the page's pixels are the pipeline's), one sample with its elastic field, statistics.

/** Screen pixels per image pixel in the grid, and the gaps between cells. */
export const ZOOM = 3;
const GAP = 2;
const SOURCE_GAP = 8;
const BACKGROUND = [27, 35, 48];

/** Where cell (row, col) of a grid starts on the canvas. */
export function cellOrigin(grid, row, col) {
  const w = grid.width * ZOOM;
  const h = grid.height * ZOOM;
  const x = col === 0 ? 0 : w + SOURCE_GAP + (col - 1) * (w + GAP);
  return { x, y: row * (h + GAP), width: w, height: h };
}

/** Paints the grid's cells onto `canvas` in one putImageData. */
export function paintGrid(canvas, grid, pixels) {
  const last = cellOrigin(grid, grid.rows - 1, grid.cols - 1);
  canvas.width = last.x + last.width;
  canvas.height = last.y + last.height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const image = context.createImageData(canvas.width, canvas.height);
  const data = new Uint32Array(image.data.buffer);
  const grey = (v) => (255 << 24) | (v << 16) | (v << 8) | v; // little-endian RGBA
  data.fill((255 << 24) | (BACKGROUND[2] << 16) | (BACKGROUND[1] << 8) | BACKGROUND[0]);
  const size = grid.width * grid.height;
  for (let row = 0; row < grid.rows; row++) {
    for (let col = 0; col < grid.cols; col++) {
      const origin = cellOrigin(grid, row, col);
      const cell = (row * grid.cols + col) * size;
      for (let y = 0; y < grid.height; y++) {
        for (let x = 0; x < grid.width; x++) {
          const value = grey(pixels[cell + y * grid.width + x]);
          const at = (origin.y + y * ZOOM) * canvas.width + origin.x + x * ZOOM;
          for (let dy = 0; dy < ZOOM; dy++) data.fill(value, at + dy * canvas.width, at + dy * canvas.width + ZOOM);
        }
      }
    }
  }
  context.putImageData(image, 0, 0);
}

/** Paints a grey image of width x height values (0-255) scaled to the canvas. */
export function paintImage(canvas, values, width, height) {
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = Math.max(0, Math.min(255, Math.round(values[i])));
    image.data.set([v, v, v, 255], i * 4);
  }
  const small = new OffscreenCanvas(width, height);
  small.getContext('2d').putImageData(image, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/**
 * The elastic displacement field as a picture: hue the direction, brightness the length
 * (relative to the longest), and an arrow every third pixel, to scale.
 */
export function paintField(canvas, field, width, height) {
  const context = canvas.getContext('2d');
  context.fillStyle = '#222';
  context.fillRect(0, 0, canvas.width, canvas.height);
  if (!field) return 0;
  const longest = Math.max(1e-9, ...field.dx.map((u, i) => Math.hypot(u, field.dy[i])));
  const sx = canvas.width / width;
  const sy = canvas.height / height;
  for (let i = 0; i < width * height; i++) {
    const hue = (Math.atan2(field.dy[i], field.dx[i]) * 180) / Math.PI + 180;
    const light = 12 + 48 * (Math.hypot(field.dx[i], field.dy[i]) / longest);
    context.fillStyle = `hsl(${hue.toFixed(0)} 80% ${light.toFixed(0)}%)`;
    context.fillRect((i % width) * sx, Math.floor(i / width) * sy, Math.ceil(sx), Math.ceil(sy));
  }
  context.strokeStyle = 'rgba(255,255,255,0.85)';
  context.lineWidth = 1;
  for (let y = 1; y < height; y += 3) {
    for (let x = 1; x < width; x += 3) {
      const i = y * width + x;
      const [cx, cy] = [(x + 0.5) * sx, (y + 0.5) * sy];
      context.beginPath();
      context.moveTo(cx, cy);
      context.lineTo(cx + field.dx[i] * sx, cy + field.dy[i] * sy);
      context.stroke();
      context.fillStyle = '#fff';
      context.fillRect(cx - 1, cy - 1, 2, 2);
    }
  }
  return longest;
}

/** A bar chart of the drawn angles' histogram. */
export function paintHistogram(canvas, angles, samples) {
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  const top = Math.max(1, ...angles.counts);
  const plot = { left: 6, bottom: height - 18, width: width - 12, height: height - 34 };
  const bar = plot.width / angles.counts.length;
  context.fillStyle = '#2f6fdf';
  angles.counts.forEach((count, k) => {
    const h = (count / top) * plot.height;
    context.fillRect(plot.left + k * bar + 1, plot.bottom - h, Math.max(1, bar - 2), h);
  });
  context.fillStyle = '#5b6574';
  context.font = '11px system-ui, sans-serif';
  context.textBaseline = 'top';
  context.fillText(`${angles.min}°`, plot.left, plot.bottom + 3);
  const right = `${angles.max}°`;
  context.fillText(right, plot.left + plot.width - context.measureText(right).width, plot.bottom + 3);
  const title = angles.min === angles.max ? `every one of ${samples} samples drawn ${angles.min}° (no --rotate range)` : `drawn angles of ${samples} samples (tallest bar ${top})`;
  context.fillText(title, plot.left, 2);
}
