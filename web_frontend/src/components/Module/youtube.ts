// The YouTube player, seen by the module page only as a position it can read while playing.
// The page renders the embed's <iframe> itself (so the video shows even when YouTube's
// script cannot load); YouTube's IFrame Player API is loaded on demand and attached to it.

/** What the page needs of a player: where it is now, whether it plays, and its pauses. */
export type PlayerHandle = {
  /** Seconds into the video, or undefined until the player is ready. */
  currentTime(): number | undefined;
  isPlaying(): boolean;
  destroy(): void;
};
export type PlayerEvents = { onPause(): void; onEnded(): void };
export type ConnectPlayer = (iframe: HTMLIFrameElement, events: PlayerEvents) => PlayerHandle;

type YTPlayer = { getCurrentTime?: () => number; getPlayerState?: () => number };
type YTNamespace = {
  Player: new (element: HTMLIFrameElement, options: { events: { onStateChange: (e: { data: number }) => void } }) => YTPlayer;
  PlayerState: { PLAYING: number; PAUSED: number; ENDED: number };
};
declare global {
  interface Window {
    YT?: YTNamespace;
    onYouTubeIframeAPIReady?: () => void;
  }
}

const API_URL = "https://www.youtube.com/iframe_api";
let loading: Promise<YTNamespace> | null = null;

function loadApi(): Promise<YTNamespace> {
  if (window.YT?.Player) return Promise.resolve(window.YT);
  loading ??= new Promise<YTNamespace>((resolve, reject) => {
    const previous = window.onYouTubeIframeAPIReady;
    window.onYouTubeIframeAPIReady = () => {
      previous?.();
      resolve(window.YT!);
    };
    const script = document.createElement("script");
    script.src = API_URL;
    script.async = true;
    script.onerror = () => {
      loading = null; // offline or blocked: the video still plays, only its position is not kept
      reject(new Error("YouTube's player API did not load"));
    };
    document.head.appendChild(script);
  });
  return loading;
}

/** Attach YouTube's player API to an embed iframe (its src must have enablejsapi=1). */
export const connectYouTube: ConnectPlayer = (iframe, events) => {
  let player: YTPlayer | null = null;
  let gone = false;
  loadApi()
    .then((YT) => {
      if (gone) return;
      player = new YT.Player(iframe, {
        events: {
          onStateChange: ({ data }) => {
            if (data === YT.PlayerState.PAUSED) events.onPause();
            if (data === YT.PlayerState.ENDED) events.onEnded();
          },
        },
      });
    })
    .catch(() => {});
  return {
    currentTime: () => player?.getCurrentTime?.(),
    isPlaying: () => player?.getPlayerState?.() === window.YT?.PlayerState.PLAYING,
    // The iframe is React's to remove; the player only stops being listened to.
    destroy: () => {
      gone = true;
      player = null;
    },
  };
};
