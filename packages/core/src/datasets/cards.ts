// What a dataset card (a Hugging Face README.md) says of each registered dataset: its name,
// licence, where it comes from and how to cite it. The exports' cards and manifests quote it.

/** The facts of a dataset that its card states. */
export interface DatasetCard {
  /** Human name, e.g. `MNIST`. */
  readonly prettyName: string;
  /** Licence identifier as the Hugging Face Hub spells it (`mit`, `cc-by-sa-4.0`, `other`). */
  readonly license: string;
  /** Where the data is described. */
  readonly homepage: string;
  /** The Hub's `source_datasets` entries. */
  readonly sourceDatasets: readonly string[];
  /** BibTeX of the paper to cite. */
  readonly citation: string;
  /** One paragraph: what the images are. */
  readonly summary: string;
}

const MNIST_CITATION = `@article{lecun2010mnist,
  title={MNIST handwritten digit database},
  author={LeCun, Yann and Cortes, Corinna and Burges, CJ},
  journal={ATT Labs [Online]. Available: http://yann.lecun.com/exdb/mnist},
  volume={2},
  year={2010}
}`;

const KUZUSHIJI_CITATION = `@article{clanuwat2018deep,
  title={Deep Learning for Classical Japanese Literature},
  author={Clanuwat, Tarin and Bober-Irizar, Mikel and Kitamoto, Asanobu and Lamb, Alex and Yamamoto, Kazuaki and Ha, David},
  journal={arXiv preprint arXiv:1812.01718},
  year={2018}
}`;

const EMNIST_CARD: DatasetCard = {
  prettyName: 'EMNIST',
  license: 'other',
  homepage: 'https://www.nist.gov/itl/products-and-services/emnist-dataset',
  sourceDatasets: ['extended|other-nist'],
  citation: `@inproceedings{cohen2017emnist,
  title={EMNIST: Extending MNIST to handwritten letters},
  author={Cohen, Gregory and Afshar, Saeed and Tapson, Jonathan and van Schaik, Andr{\\'e}},
  booktitle={2017 International Joint Conference on Neural Networks (IJCNN)},
  pages={2921--2926},
  year={2017},
  doi={10.1109/IJCNN.2017.7966217}
}`,
  summary: 'Handwritten characters of NIST Special Database 19, converted to 28 x 28 grey images in the format of MNIST.',
};

/** Cards of the registered datasets, by `--dataset` name (the EMNIST variants share one). */
export const DATASET_CARDS: Readonly<Record<string, DatasetCard>> = {
  mnist: {
    prettyName: 'MNIST',
    license: 'mit',
    homepage: 'http://yann.lecun.com/exdb/mnist/',
    sourceDatasets: ['extended|other-nist'],
    citation: MNIST_CITATION,
    summary: '70,000 handwritten digits, 28 x 28 grey images, white on black, size-normalised and centred by their centre of mass.',
  },
  'fashion-mnist': {
    prettyName: 'Fashion-MNIST',
    license: 'mit',
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
    sourceDatasets: ['original'],
    citation: `@article{xiao2017fashion,
  title={Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms},
  author={Xiao, Han and Rasul, Kashif and Vollgraf, Roland},
  journal={arXiv preprint arXiv:1708.07747},
  year={2017}
}`,
    summary: "Zalando's article images in 10 classes, 28 x 28 grey images in the format of MNIST.",
  },
  kmnist: {
    prettyName: 'Kuzushiji-MNIST',
    license: 'cc-by-sa-4.0',
    homepage: 'https://github.com/rois-codh/kmnist',
    sourceDatasets: ['original'],
    citation: KUZUSHIJI_CITATION,
    summary: '10 classes of cursive Japanese (Kuzushiji) characters, 28 x 28 grey images in the format of MNIST.',
  },
  'kuzushiji-49': {
    prettyName: 'Kuzushiji-49',
    license: 'cc-by-sa-4.0',
    homepage: 'https://github.com/rois-codh/kmnist',
    sourceDatasets: ['original'],
    citation: KUZUSHIJI_CITATION,
    summary: '270,912 cursive Japanese hiragana (Kuzushiji) in 49 classes, 28 x 28 grey images in the format of MNIST, from the Center for Open Data in the Humanities.',
  },
  'kuzushiji-kanji': {
    prettyName: 'Kuzushiji-Kanji',
    license: 'cc-by-sa-4.0',
    homepage: 'https://github.com/rois-codh/kmnist',
    sourceDatasets: ['original'],
    citation: KUZUSHIJI_CITATION,
    summary: '140,424 cursive Japanese kanji (Kuzushiji) in 3,832 classes, 64 x 64 grey images, from the Center for Open Data in the Humanities; highly imbalanced (1,766 to 1 images a class).',
  },
  notmnist: {
    prettyName: 'notMNIST',
    license: 'other',
    homepage: 'http://yaroslavvb.blogspot.com/2011/09/notmnist-dataset.html',
    sourceDatasets: ['original'],
    citation: `@misc{bulatov2011notmnist,
  title={notMNIST dataset},
  author={Bulatov, Yaroslav},
  howpublished={\\url{http://yaroslavvb.blogspot.com/2011/09/notmnist-dataset.html}},
  year={2011}
}`,
    summary: 'The letters A to J rendered from publicly available fonts, 28 x 28 grey images: a small hand-cleaned set and a large uncleaned one. Published without a stated licence.',
  },
  'mnist-c': {
    prettyName: 'MNIST-C',
    license: 'cc-by-4.0',
    homepage: 'https://github.com/google-research/mnist-c',
    sourceDatasets: ['extended|mnist'],
    citation: `@article{mu2019mnist,
  title={MNIST-C: A Robustness Benchmark for Computer Vision},
  author={Mu, Norman and Gilmer, Justin},
  journal={arXiv preprint arXiv:1906.02337},
  year={2019}
}`,
    summary: "MNIST's digits under 15 corruptions (noise, blur, affine, weather, lines, edges) and unchanged (identity), one folder each, as released by Mu and Gilmer (2019): the robustness benchmark's frozen files.",
  },
  emnist: EMNIST_CARD,
  qmnist: {
    prettyName: 'QMNIST',
    license: 'bsd-3-clause',
    homepage: 'https://github.com/facebookresearch/qmnist',
    sourceDatasets: ['extended|mnist', 'extended|other-nist'],
    citation: `@incollection{qmnist-2019,
  title={Cold Case: The Lost MNIST Digits},
  author={Yadav, Chhavi and Bottou, L{\\'e}on},
  booktitle={Advances in Neural Information Processing Systems 32},
  year={2019}
}`,
    summary: "MNIST's preprocessing reconstructed and applied to NIST Special Database 19 again: the training set, the full 60,000-digit test set, and every NIST digit.",
  },
  'sign-language-mnist': {
    prettyName: 'Sign Language MNIST',
    license: 'cc0-1.0',
    homepage: 'https://www.kaggle.com/datasets/datamunge/sign-language-mnist',
    sourceDatasets: ['original'],
    citation: `@misc{signlanguagemnist2017,
  title={Sign Language MNIST: Drop-In Replacement for MNIST for Hand Gesture Recognition Tasks},
  author={tecperson},
  howpublished={Kaggle, \\url{https://www.kaggle.com/datasets/datamunge/sign-language-mnist}},
  year={2017}
}`,
    summary: 'American Sign Language letters (24 classes: J and Z need motion and are absent) as 28 x 28 grey images, in CSV rows label,pixel1,...,pixel784.',
  },
  medmnist: {
    prettyName: 'MedMNIST v2',
    license: 'cc-by-4.0',
    homepage: 'https://medmnist.com/',
    sourceDatasets: ['extended|other'],
    citation: `@article{yang2023medmnist,
  title={MedMNIST v2 - A large-scale lightweight benchmark for 2D and 3D biomedical image classification},
  author={Yang, Jiancheng and Shi, Rui and Wei, Donglai and Liu, Zequan and Zhao, Lin and Ke, Bilian and Pfister, Hanspeter and Ni, Bingbing},
  journal={Scientific Data},
  volume={10},
  number={1},
  pages={41},
  year={2023},
  doi={10.1038/s41597-022-01721-8}
}`,
    summary: 'Biomedical images of open medical datasets, pre-processed into small square images in the spirit of MNIST (MedMNIST v2); each subset is licensed CC BY 4.0 as MedMNIST publishes it. Not for clinical use.',
  },
};
