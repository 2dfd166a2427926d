/** Derivative profiles shared by the pipeline (origin) and the edge. */
export * from './audio.ts';
export * from './image.ts';
export * from './video.ts';
export * from './subtitles.ts';
