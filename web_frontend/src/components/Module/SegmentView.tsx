import type { Segment } from "../../api/types";
import { Markdown } from "../Content/Markdown";
import { ArticleExcerpt } from "./ArticleExcerpt";
import { AssessedQuestion } from "./AssessedQuestion";
import { TutorChat } from "./TutorChat";
import { VideoExcerpt } from "./VideoExcerpt";

export function SegmentView({ segment, moduleSlug, sectionId }: { segment: Segment; moduleSlug: string; sectionId: string }) {
  switch (segment.kind) {
    case "text":
      return <Markdown source={segment.markdown} headingsFrom={3} />;
    case "article":
      return <ArticleExcerpt segment={segment} />;
    case "video":
      return <VideoExcerpt segment={segment} moduleSlug={moduleSlug} />;
    case "chat":
      return <TutorChat moduleSlug={moduleSlug} sectionId={sectionId} segment={segment} />;
    case "question":
      return <AssessedQuestion moduleSlug={moduleSlug} sectionId={sectionId} segment={segment} />;
  }
}
