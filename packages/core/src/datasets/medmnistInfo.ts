// What MedMNIST's own INFO (medmnist/info.py, v3.0.2) says of each grey 2D subset: its name,
// class names (index = label value), samples per split and the MD5 of each published file.

/** A grey 2D MedMNIST subset. */
export type MedmnistSubset = 'chestmnist' | 'pneumoniamnist' | 'breastmnist' | 'octmnist' | 'organamnist' | 'organcmnist' | 'organsmnist' | 'tissuemnist';

/** One subset as MedMNIST describes it. */
export interface MedmnistSubsetInfo {
  /** Its name in MedMNIST's paper, e.g. `PneumoniaMNIST`. */
  readonly prettyName: string;
  /** Class names, index = label value (ChestMNIST: its binary task, any finding or none). */
  readonly classes: readonly string[];
  /** ChestMNIST only: the 14 findings, the columns of `Block.labelMatrix`. */
  readonly columns?: readonly string[];
  /** Samples of each split. */
  readonly counts: Readonly<Record<'train' | 'val' | 'test', number>>;
}

/** The grey 2D subsets, by name (MedMNIST's INFO). */
export const MEDMNIST_SUBSETS: Readonly<Record<MedmnistSubset, MedmnistSubsetInfo>> = {
  chestmnist: {
    prettyName: 'ChestMNIST',
    classes: ['normal', 'abnormal'],
    columns: ['atelectasis', 'cardiomegaly', 'effusion', 'infiltration', 'mass', 'nodule', 'pneumonia', 'pneumothorax', 'consolidation', 'edema', 'emphysema', 'fibrosis', 'pleural', 'hernia'],
    counts: { train: 78468, val: 11219, test: 22433 },
  },
  pneumoniamnist: { prettyName: 'PneumoniaMNIST', classes: ['normal', 'pneumonia'], counts: { train: 4708, val: 524, test: 624 } },
  breastmnist: { prettyName: 'BreastMNIST', classes: ['malignant', 'normal, benign'], counts: { train: 546, val: 78, test: 156 } },
  octmnist: { prettyName: 'OCTMNIST', classes: ['choroidal neovascularization', 'diabetic macular edema', 'drusen', 'normal'], counts: { train: 97477, val: 10832, test: 1000 } },
  organamnist: { prettyName: 'OrganAMNIST', classes: ['bladder', 'femur-left', 'femur-right', 'heart', 'kidney-left', 'kidney-right', 'liver', 'lung-left', 'lung-right', 'pancreas', 'spleen'], counts: { train: 34561, val: 6491, test: 17778 } },
  organcmnist: { prettyName: 'OrganCMNIST', classes: ['bladder', 'femur-left', 'femur-right', 'heart', 'kidney-left', 'kidney-right', 'liver', 'lung-left', 'lung-right', 'pancreas', 'spleen'], counts: { train: 12975, val: 2392, test: 8216 } },
  organsmnist: { prettyName: 'OrganSMNIST', classes: ['bladder', 'femur-left', 'femur-right', 'heart', 'kidney-left', 'kidney-right', 'liver', 'lung-left', 'lung-right', 'pancreas', 'spleen'], counts: { train: 13932, val: 2452, test: 8827 } },
  tissuemnist: { prettyName: 'TissueMNIST', classes: ['Collecting Duct, Connecting Tubule', 'Distal Convoluted Tubule', 'Glomerular endothelial cells', 'Interstitial endothelial cells', 'Leukocytes', 'Podocytes', 'Proximal Tubule Segments', 'Thick Ascending Limb'], counts: { train: 165466, val: 23640, test: 47280 } },
};

/** MD5 of each subset's file at 28, 64, 128 and 224 pixels, as MedMNIST's INFO gives them. */
export const MEDMNIST_MD5: Readonly<Record<MedmnistSubset, readonly string[]>> = {
  chestmnist: ['02c8a6516a18b556561a56cbdd36c4a8', '9de6cd0b934ebb5b7426cfba5efbae16', 'db107e5590b27930b62dbaf558aebee3', '45bd33e6f06c3e8cdb481c74a89152aa'],
  pneumoniamnist: ['28209eda62fecd6e6a2d98b1501bb15f', '8f4eceb4ccffa70c672198ea285246c6', '05b46931834c231683c68f40c47b2971', 'd6a3c71de1b945ea11211b03746c1fe1'],
  breastmnist: ['750601b1f35ba3300ea97c75c52ff8f6', '742edef2a1fd1524b2efff4bd7ba9364', '363e4b3f8d712e9b5de15470a2aaadf1', 'b56378a6eefa9fed602bb16d192d4c8b'],
  octmnist: ['c68d92d5b585d8d81f7112f81e2d0842', 'e229e9440236b774d9f0dfef9d07bdaf', '0a97e76651ace45c5d943ee3f65b63ae', 'abc493b6d529d5de7569faaef2773ba3'],
  organamnist: ['68e3f8846a6bd62f0c9bf841c0d9eacc', '2dcccc29b88e6da5a01161ef20cda288', 'eeae80d0a227a8d099027e1b3cfd3b60', '50747347e05c87dd3aaf92c49f9f3170'],
  organcmnist: ['b9ceb9546e10131b32923c5bbeaea2b1', '3ce34a8724ea6f548e6db4744d03b6a9', '773c1f009daa3fe5d9a2a201b2a7ed94', '050f5e875dc056f6768abf94ec9995d1'],
  organsmnist: ['9ab87b696fb54e2a387ebe992d6ed5f1', '53a6d115339d874c25e309a994ff46d3', 'ded0c5fa01a95dc4978b956f613e9b8e', 'b354719e553fbbb2513d5533f52a4cb1'],
  tissuemnist: ['ebe78ee8b05294063de985d821c1c34b', '123ece2eba09d0aa5d698fda57103344', '61b955355d7425a89687b06cca3ce0c2', 'b077128c4a949f0a4eb01517f9037b9c'],
};

/** The RGB 2D subsets, which idxflow does not read (its Blocks have one grey channel). */
export const MEDMNIST_RGB_SUBSETS: readonly string[] = ['pathmnist', 'dermamnist', 'retinamnist', 'bloodmnist'];
