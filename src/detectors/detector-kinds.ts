/** Every detector imind can fit (a leaf module, so the CLI can list them without loading trainers). */
export const DETECTOR_KINDS = ['level-shift', 'pca', 'window-autoencoder', 'autoencoder'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];
