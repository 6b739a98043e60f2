/** A small user-agent reading: device class, browser and OS family. Enough for rules; not a megabyte database. */
export interface UserAgentInfo {
  device: 'mobile' | 'tablet' | 'desktop' | 'bot';
  browser: string;
  os: string;
}

const BROWSERS: [RegExp, string][] = [
  [/edg(e|a|ios)?\//i, 'Edge'],
  [/opr\/|opera/i, 'Opera'],
  [/samsungbrowser/i, 'Samsung Internet'],
  [/firefox|fxios/i, 'Firefox'],
  [/chrome|crios|chromium/i, 'Chrome'],
  [/safari/i, 'Safari'],
];

const SYSTEMS: [RegExp, string][] = [
  [/windows/i, 'Windows'],
  [/iphone|ipad|ipod/i, 'iOS'],
  [/android/i, 'Android'],
  [/mac os x|macintosh/i, 'macOS'],
  [/cros/i, 'ChromeOS'],
  [/linux/i, 'Linux'],
];

export function parseUserAgent(ua: string): UserAgentInfo {
  const device = /bot|crawler|spider|crawling|headlesschrome/i.test(ua)
    ? 'bot'
    : /ipad|tablet|(android(?!.*mobile))/i.test(ua)
      ? 'tablet'
      : /mobi|iphone|ipod|android/i.test(ua)
        ? 'mobile'
        : 'desktop';
  return {
    device,
    browser: BROWSERS.find(([re]) => re.test(ua))?.[1] ?? 'Other',
    os: SYSTEMS.find(([re]) => re.test(ua))?.[1] ?? 'Other',
  };
}
