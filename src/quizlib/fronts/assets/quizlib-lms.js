/* quizlib in an LMS package: the bridge from a course page to the package's launcher (quizlib-launch.js).
 *
 * The launcher (the package's index.html) shows the course's pages in a frame of the same origin. In such a
 * page this script, loaded after quizlib-ui.js and before the quizzes mount, makes the launcher keep the
 * learner's answers (QuizLibUI.useStorage) and hands it each answer and finished quiz (QuizLibUI.on), which
 * the launcher reports to the LMS. A page opened on its own, outside the launcher, works as in the book.
 */
(function (root) {
  "use strict";
  if (root.QuizLibLMSPage || !root.QuizLibUI) return;
  var launcher = null;
  try {
    if (root.parent && root.parent !== root && root.parent.QuizLibLaunch) launcher = root.parent.QuizLibLaunch;
  } catch (e) {
    launcher = null; // a parent of another origin: not our launcher
  }
  if (!launcher) return;
  root.QuizLibUI.useStorage(launcher.storage);
  root.QuizLibUI.on(function (e) {
    if (e.type === "answered" || e.type === "completed") launcher.event(e);
  });
  root.QuizLibLMSPage = { launcher: launcher };
})(typeof window !== "undefined" ? window : globalThis);
