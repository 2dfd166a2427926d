/** esbuild bundles CSS imports into the app's one stylesheet. */
declare module '*.css';
