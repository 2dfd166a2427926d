/**
 * The audio profile: what the pipeline makes from an audio original (mp3,
 * m4a, wav, flac, ogg/opus…) and the limits it keeps to. Both files are
 * made by ffmpeg where it is installed (locally; see docs/architecture.md,
 * "Images, audio and honest status", for the Lambda):
 *
 *   waveform.png   the whole file's waveform, WAVEFORM.width × height, transparent background
 *   preview.mp4    AAC in an MP4 (fast start): what every browser's <audio> plays
 */

export const AUDIO_VARIANTS = { waveform: 'waveform.png', preview: 'preview.mp4' } as const;

export const WAVEFORM = { width: 1024, height: 160, colour: '#9c36b5' } as const;

/** AAC-LC stereo at 128 kbit/s: transparent for previews, ~1 MB a minute. */
export const AUDIO_PREVIEW = { codec: 'aac', bitrate: 128_000, sampleRate: 48_000, channels: 2, contentType: 'audio/mp4' } as const;

/** Audio originals larger than this are stored as they are (icon, with the reason). */
export const MAX_AUDIO_BYTES = 256 * 1024 * 1024;

/** Longer audio is not transcoded (a 3-hour recording is ~170 MB of AAC and minutes of CPU). */
export const MAX_AUDIO_SECONDS = 3 * 60 * 60;

/** Each ffmpeg/ffprobe run is killed after this. */
export const AUDIO_TIMEOUT_MS = 5 * 60 * 1000;
