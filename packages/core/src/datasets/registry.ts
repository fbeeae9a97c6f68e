/** A dataset split. */
export type Split = 'train' | 'test';

/** One published file: its name and the SHA-256 and size of the published (gzipped) bytes. */
export interface RemoteFile {
  /** File name as published, e.g. `train-images-idx3-ubyte.gz`. */
  readonly name: string;
  /** SHA-256 of the published bytes, lower-case hex. */
  readonly sha256: string;
  /** Size of the published bytes. */
  readonly size: number;
  /**
   * MD5 of the published bytes, for a file whose publisher gives only that (MedMNIST): checked
   * when `sha256` is empty. A file with neither is never downloaded (`dir` or the cache only).
   */
  readonly md5?: string;
}

/** Where a dataset is published and what its files must hash to. */
export interface DatasetSpec {
  /** Cache folder name and the `--dataset` name. */
  readonly id: 'mnist' | 'fashion-mnist' | 'kmnist';
  /** Base URLs tried in order; each file is `base + name`. */
  readonly mirrors: readonly string[];
  /** The images and labels file of each split. */
  readonly files: Readonly<Record<Split, { readonly images: RemoteFile; readonly labels: RemoteFile }>>;
  /** Label names, index = label value. */
  readonly classes: readonly string[];
  /** Samples of each split as published: a file in `dir` may announce no more (a bomb is refused at its header). */
  readonly counts: Readonly<Record<Split, number>>;
}

const SIXTY_TEN = { train: 60000, test: 10000 } as const;

// Checksums are of the gzipped files as their authors publish them (the same values
// torchvision and TensorFlow Datasets verify).
export const MNIST: DatasetSpec = {
  id: 'mnist',
  mirrors: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
    'http://yann.lecun.com/exdb/mnist/',
  ],
  files: {
    train: {
      images: { name: 'train-images-idx3-ubyte.gz', size: 9912422, sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609' },
      labels: { name: 'train-labels-idx1-ubyte.gz', size: 28881, sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte.gz', size: 1648877, sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6' },
      labels: { name: 't10k-labels-idx1-ubyte.gz', size: 4542, sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6' },
    },
  },
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  counts: SIXTY_TEN,
};

export const FASHION_MNIST: DatasetSpec = {
  id: 'fashion-mnist',
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
  files: {
    train: {
      images: { name: 'train-images-idx3-ubyte.gz', size: 26421880, sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84' },
      labels: { name: 'train-labels-idx1-ubyte.gz', size: 29515, sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte.gz', size: 4422102, sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073' },
      labels: { name: 't10k-labels-idx1-ubyte.gz', size: 5148, sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5' },
    },
  },
  classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  counts: SIXTY_TEN,
};

export const KMNIST: DatasetSpec = {
  id: 'kmnist',
  mirrors: ['http://codh.rois.ac.jp/kmnist/dataset/kmnist/'],
  files: {
    train: {
      images: { name: 'train-images-idx3-ubyte.gz', size: 18165135, sha256: '51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4' },
      labels: { name: 'train-labels-idx1-ubyte.gz', size: 29497, sha256: 'e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17' },
    },
    test: {
      images: { name: 't10k-images-idx3-ubyte.gz', size: 3041136, sha256: 'edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5' },
      labels: { name: 't10k-labels-idx1-ubyte.gz', size: 5120, sha256: '20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c' },
    },
  },
  classes: ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'],
  counts: SIXTY_TEN,
};

/**
 * The datasets idxflow knows by name (the CLI's `--dataset`): where each is published and
 * what its files hash to. `resolveDataset(DATASETS.mnist)` finds or downloads the files.
 */
export const DATASETS = { mnist: MNIST, 'fashion-mnist': FASHION_MNIST, kmnist: KMNIST } as const;

/** The file name without a `.gz` or `.xz` suffix. */
export function rawName(name: string): string {
  return /\.(gz|xz)$/.test(name) ? name.slice(0, -3) : name;
}
