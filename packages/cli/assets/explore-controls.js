// The augmentation controls of the explore page: one fieldset per command-line flag. Sliders
// write the flag's text (as `idxflow export` takes it); the text box may be edited by hand too,
// and what it holds is what the server is asked for.

/** Every augmentation flag idxflow has, with how its sliders make its value. */
export const OPTIONS = [
  { group: 'Geometry (one resampling)' },
  { flag: 'rotate', kind: 'symmetric', unit: '° (X: uniform in -X:X)', max: 180, step: 1 },
  { flag: 'shift', kind: 'symmetric', unit: 'px, x and y', max: 10, step: 0.25 },
  { flag: 'scale', kind: 'factor', unit: 'factor', min: 0.3, max: 2, step: 0.01, neutral: 1 },
  { flag: 'shear', kind: 'symmetric', unit: '° along x', max: 60, step: 1 },
  { flag: 'shear-y', kind: 'symmetric', unit: '° along y', max: 60, step: 1 },
  { flag: 'resized-crop', kind: 'probability', unit: "share cropped (torchvision's RandomResizedCrop), first" },
  { flag: 'resized-crop-scale', kind: 'pair', unit: 'its area share', min: 0.01, max: 1, step: 0.01, neutral: [0.08, 1] },
  { flag: 'resized-crop-ratio', kind: 'pair', unit: 'its aspect ratio w/h', min: 0.1, max: 10, step: 0.05, neutral: [0.75, 1.333] },
  { flag: 'hflip', kind: 'probability', unit: 'share mirrored left-right' },
  { flag: 'vflip', kind: 'probability', unit: 'share mirrored top-bottom' },
  { flag: 'perspective', kind: 'distortion', unit: "torchvision's RandomPerspective, after the affine steps" },
  { flag: 'elastic', kind: 'elastic', unit: 'Simard et al. 2003' },
  { flag: 'interpolation', kind: 'choice', choices: ['bilinear', 'nearest'] },
  { flag: 'fill', kind: 'byte', unit: 'value outside the image', neutral: 0 },
  { group: 'Pixels (after the resampling)' },
  { flag: 'thickness', kind: 'symmetric', unit: 'px stroke radius (+ dilate, − erode)', max: 3, step: 0.1 },
  { flag: 'brightness', kind: 'factor', unit: 'factor', min: 0, max: 2, step: 0.01, neutral: 1 },
  { flag: 'contrast', kind: 'factor', unit: 'factor', min: 0, max: 2, step: 0.01, neutral: 1 },
  { flag: 'gamma', kind: 'factor', unit: 'exponent', min: 0.2, max: 3, step: 0.01, neutral: 1 },
  { flag: 'blur', kind: 'blur', unit: "torchvision's GaussianBlur, kernel size" },
  { flag: 'blur-sigma', kind: 'pair', unit: 'its sigma, px', min: 0.1, max: 5, step: 0.1, neutral: [0.1, 2] },
  { flag: 'sharpness', kind: 'factor', unit: 'factor (0 smooths, 2 sharpens)', min: 0, max: 4, step: 0.05, neutral: 1 },
  { flag: 'posterize', kind: 'factor', unit: 'bits kept', min: 0, max: 8, step: 1, neutral: 8 },
  { flag: 'solarize', kind: 'factor', unit: 'threshold, levels >= it inverted', min: 0, max: 256, step: 1, neutral: 256 },
  { flag: 'autocontrast', kind: 'probability', unit: 'share stretched to 0..255' },
  { flag: 'equalize', kind: 'probability', unit: 'share histogram-equalised' },
  { flag: 'invert', kind: 'probability', unit: 'share inverted (255 - v)' },
  { flag: 'noise', kind: 'factor', unit: 'sigma, share of the range', min: 0, max: 0.5, step: 0.01, neutral: 0 },
  { flag: 'erase', kind: 'probability', unit: 'share with a box erased' },
  { flag: 'erase-scale', kind: 'pair', unit: 'area share', min: 0, max: 1, step: 0.01, neutral: [0.02, 0.33] },
  { flag: 'erase-ratio', kind: 'pair', unit: 'aspect ratio', min: 0.1, max: 10, step: 0.1, neutral: [0.3, 3.3] },
  { flag: 'erase-value', kind: 'byte', unit: 'value in the box', neutral: 0 },
  { group: 'Automatic policy (a stage after the steps above; one at most)' },
  { flag: 'auto-augment', kind: 'choice', unit: "torchvision's AutoAugment", choices: ['off', 'imagenet', 'cifar10', 'svhn'] },
  { flag: 'rand-augment', kind: 'randaugment', unit: "torchvision's RandAugment(ops, magnitude), 31 bins" },
  { flag: 'trivial-augment', kind: 'switch', unit: "torchvision's TrivialAugmentWide" },
  { flag: 'augmix', kind: 'augmix', unit: "torchvision's AugMix(severity, width)" },
  { group: 'Corruption (MNIST-C, a stage after the steps above; not with a policy)' },
  { flag: 'corrupt', kind: 'corruption', unit: 'Mu and Gilmer 2019; severity 1-5 where the recipe has them' },
];

/** The corruptions the server offers (`/api/info`): name, whether it has severities, the released one. */
let corruptions = [];

/** The corruption picker: a name (or off) and a severity (the released one, or 1 to 5; none for a recipe without). */
function corruptionRows(flag) {
  const row = document.createElement('label');
  row.className = 'slider';
  const names = ['off', ...corruptions.map((c) => c.name)];
  row.innerHTML = `<span>name</span><select id="${flag}-name">${names.map((n) => `<option>${n}</option>`).join('')}</select>`;
  const level = document.createElement('label');
  level.className = 'slider';
  level.innerHTML = `<span>severity</span><select id="${flag}-severity">${['released', '1', '2', '3', '4', '5'].map((n) => `<option value="${n}">${n}</option>`).join('')}</select>`;
  const name = row.querySelector('select');
  const severity = level.querySelector('select');
  const leveled = () => corruptions.find((c) => c.name === name.value)?.severities === true;
  const refresh = () => {
    severity.disabled = !leveled();
    const released = corruptions.find((c) => c.name === name.value)?.released;
    severity.options[0].textContent = released ? `released (${released})` : 'released';
  };
  name.addEventListener('input', refresh);
  refresh();
  return {
    rows: [row, level],
    text: (v) => (v[`${flag}-name`] === 'off' ? '' : !leveled() || v[`${flag}-severity`] === 'released' ? v[`${flag}-name`] : `${v[`${flag}-name`]}:${v[`${flag}-severity`]}`),
  };
}

/** A slider row: label, range input `id`, the value shown. */
function slider(id, label, min, max, step, value) {
  const row = document.createElement('label');
  row.className = 'slider';
  row.innerHTML = `<span>${label}</span><input type="range" id="${id}" min="${min}" max="${max}" step="${step}" value="${value}"><output></output>`;
  const input = row.querySelector('input');
  const show = () => (row.querySelector('output').textContent = input.value);
  input.addEventListener('input', show);
  show();
  return row;
}

/** The sliders of an option, and how their values make its flag's text. */
function sliders(option) {
  const { flag, kind } = option;
  const p = () => [slider(`${flag}-p`, 'p', 0, 1, 0.05, 1)];
  const at = (text, values) => (text === '' || values[`${flag}-p`] >= 1 ? text : `${text}@${values[`${flag}-p`]}`);
  const span = (lo, hi) => (lo === hi ? `${lo}` : `${Math.min(lo, hi)}:${Math.max(lo, hi)}`);
  switch (kind) {
    case 'symmetric':
      return { rows: [slider(`${flag}-x`, 'X', 0, option.max, option.step, 0), ...p()], text: (v) => at(v[`${flag}-x`] === 0 ? '' : `${v[`${flag}-x`]}`, v) };
    case 'factor': {
      const rows = [slider(`${flag}-min`, 'min', option.min, option.max, option.step, option.neutral), slider(`${flag}-max`, 'max', option.min, option.max, option.step, option.neutral), ...p()];
      const text = (v) => at(v[`${flag}-min`] === option.neutral && v[`${flag}-max`] === option.neutral ? '' : span(v[`${flag}-min`], v[`${flag}-max`]), v);
      return { rows, text };
    }
    case 'elastic':
      return {
        rows: [slider('elastic-alpha', 'alpha', 0, 100, 1, 0), slider('elastic-sigma', 'sigma', 0.5, 12, 0.5, 4), ...p()],
        text: (v) => at(v['elastic-alpha'] === 0 ? '' : `${v['elastic-alpha']}:${v['elastic-sigma']}`, v),
      };
    case 'distortion':
      return { rows: [slider(`${flag}-d`, 'distortion', 0, 1, 0.05, 0), ...p()], text: (v) => at(v[`${flag}-d`] === 0 ? '' : `${v[`${flag}-d`]}`, v) };
    case 'blur':
      return { rows: [slider('blur-k', 'size', 1, 15, 2, 1), ...p()], text: (v) => at(v['blur-k'] === 1 ? '' : `${v['blur-k']}`, v) };
    case 'probability':
      return { rows: [slider(`${flag}-p`, 'p', 0, 1, 0.05, 0)], text: (v) => (v[`${flag}-p`] === 0 ? '' : `${v[`${flag}-p`]}`) };
    case 'pair': {
      const [lo, hi] = option.neutral;
      const rows = [slider(`${flag}-min`, 'min', option.min, option.max, option.step, lo), slider(`${flag}-max`, 'max', option.min, option.max, option.step, hi)];
      return { rows, text: (v) => (v[`${flag}-min`] === lo && v[`${flag}-max`] === hi ? '' : `${Math.min(v[`${flag}-min`], v[`${flag}-max`])}:${Math.max(v[`${flag}-min`], v[`${flag}-max`])}`) };
    }
    case 'byte':
      return { rows: [slider(`${flag}-v`, 'value', 0, 255, 1, option.neutral)], text: (v) => (v[`${flag}-v`] === option.neutral ? '' : `${v[`${flag}-v`]}`) };
    case 'randaugment':
      return {
        rows: [slider(`${flag}-ops`, 'ops', 0, 4, 1, 0), slider(`${flag}-magnitude`, 'magnitude', 0, 30, 1, 9)],
        text: (v) => (v[`${flag}-ops`] === 0 ? '' : `${v[`${flag}-ops`]}:${v[`${flag}-magnitude`]}`),
      };
    case 'switch':
      return { rows: [slider(`${flag}-on`, 'on', 0, 1, 1, 0)], text: (v) => (v[`${flag}-on`] === 1 ? 'on' : '') };
    case 'corruption':
      return corruptionRows(flag);
    case 'augmix':
      return {
        rows: [slider(`${flag}-severity`, 'severity', 0, 10, 1, 0), slider(`${flag}-width`, 'width', 1, 5, 1, 3)],
        text: (v) => (v[`${flag}-severity`] === 0 ? '' : `${v[`${flag}-severity`]}:${v[`${flag}-width`]}`),
      };
    default: {
      const row = document.createElement('label');
      row.className = 'slider';
      row.innerHTML = `<span>mode</span><select id="${flag}-choice">${option.choices.map((c) => `<option>${c}</option>`).join('')}</select>`;
      return { rows: [row], text: (v) => (v[`${flag}-choice`] === option.choices[0] ? '' : v[`${flag}-choice`]) };
    }
  }
}

/** Sets the sliders of an option from a flag's text where it can (e.g. from the command line). */
function setSliders(fieldset, text) {
  const [value, p] = text.split('@');
  const numbers = value.split(':').map(Number);
  const inputs = [...fieldset.querySelectorAll('input[type=range], select')];
  const set = (suffix, v) => {
    const input = inputs.find((i) => i.id.endsWith(suffix));
    if (input && v !== undefined && (input.tagName === 'SELECT' || Number.isFinite(v))) input.value = String(v);
    input?.dispatchEvent(new Event('input'));
  };
  if (p !== undefined) set('-p', Number(p));
  if (fieldset.dataset.kind === 'symmetric') set('-x', Math.max(...numbers.map(Math.abs)));
  else if (fieldset.dataset.kind === 'elastic') {
    set('-alpha', numbers[0]);
    set('-sigma', numbers[1]);
  }
  else if (fieldset.dataset.kind === 'probability') set('-p', numbers[0]);
  else if (fieldset.dataset.kind === 'blur') set('-k', Number(value.split('x')[0]));
  else if (fieldset.dataset.kind === 'distortion') set('-d', numbers[0]);
  else if (fieldset.dataset.kind === 'byte') set('-v', numbers[0]);
  else if (fieldset.dataset.kind === 'choice') set('-choice', value);
  else if (fieldset.dataset.kind === 'randaugment') {
    set('-ops', numbers[0]);
    set('-magnitude', numbers[1]);
  }
  else if (fieldset.dataset.kind === 'switch') set('-on', value === 'on' ? 1 : 0);
  else if (fieldset.dataset.kind === 'corruption') {
    const [name, severity] = value.split(':');
    set('-name', name);
    set('-severity', severity ?? 'released');
  }
  else if (fieldset.dataset.kind === 'augmix') {
    set('-severity', numbers[0]);
    set('-width', numbers[1]);
  }
  else {
    set('-min', numbers[0]);
    set('-max', numbers[numbers.length - 1]);
  }
}

/**
 * Builds the controls into `form`, starting from the command line's `flags`; `changed` is
 * called on every change; `offered` lists the corruptions (`/api/info`'s). Returns a function
 * giving the flags as [name, text] pairs.
 */
export function buildControls(form, flags, changed, offered = []) {
  corruptions = offered;
  const texts = new Map();
  for (const option of OPTIONS) {
    if (option.group) {
      form.insertAdjacentHTML('beforeend', `<h3>${option.group}</h3>`);
      continue;
    }
    const fieldset = document.createElement('fieldset');
    fieldset.dataset.kind = option.kind;
    fieldset.innerHTML = `<legend>--${option.flag} <small>${option.unit ?? ''}</small></legend>`;
    const { rows, text } = sliders(option);
    fieldset.append(...rows);
    const box = document.createElement('input');
    Object.assign(box, { id: option.flag, className: 'flag', spellcheck: false, placeholder: 'off' });
    fieldset.append(box);
    const update = () => fieldset.classList.toggle('on', box.value !== '');
    const fromSliders = () => {
      const values = Object.fromEntries([...fieldset.querySelectorAll('input[type=range], select')].map((i) => [i.id, i.tagName === 'SELECT' ? i.value : Number(i.value)]));
      box.value = text(values);
      update();
      changed();
    };
    fieldset.addEventListener('input', (event) => (event.target === box ? (update(), changed()) : fromSliders()));
    const given = flags.find(([name]) => name === option.flag);
    if (given) setSliders(fieldset, given[1]);
    box.value = given ? given[1] : box.value;
    update();
    texts.set(option.flag, box);
    form.append(fieldset);
  }
  // Erasing's and blur's details mean nothing (and the CLI refuses them) without --erase, --blur.
  const erase = texts.get('erase');
  const blur = texts.get('blur');
  const needed = (name) => (name.startsWith('erase-') ? erase.value !== '' : name === 'blur-sigma' ? blur.value !== '' : true);
  return () => [...texts].filter(([name, box]) => box.value !== '' && needed(name)).map(([name, box]) => [name, box.value]);
}

/** Marks the flag boxes the server refused (its message names --flag). */
export function markBad(form, message) {
  for (const box of form.querySelectorAll('input.flag')) box.classList.toggle('bad', message.includes(`--${box.id} `));
}
