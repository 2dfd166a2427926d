/**
 * Light, dark or the system's choice (`prefers-color-scheme`): the header's
 * switch, remembered in localStorage and applied as `data-theme` on <html>
 * (base.css holds both palettes). Applied when this module loads, before
 * the first render, so a dark page never flashes light.
 */
import { useState } from 'preact/hooks';

export type Theme = 'light' | 'dark' | 'system';
const KEY = 'media-theme';

export function storedTheme(): Theme {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', theme);
}

applyTheme(storedTheme());

export function ThemeSwitch() {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  return (
    <div class="theme-switch">
      <label for="theme-switch">Theme</label>
      <select
        id="theme-switch"
        value={theme}
        onChange={(e) => {
          const t = e.currentTarget.value as Theme;
          setTheme(t);
          applyTheme(t);
          try {
            if (t === 'system') localStorage.removeItem(KEY);
            else localStorage.setItem(KEY, t);
          } catch {
            // Storage refused (private mode): the choice lasts for this page.
          }
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </div>
  );
}
