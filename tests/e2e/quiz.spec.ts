import { expect } from '@playwright/test';
import { test } from './support.ts';

/**
 * Lesson quizzes (src/components/Quiz.astro): answered from the keyboard, with feedback at once, a
 * second try after a first wrong answer, remembered across a reload, and "Try again" clears them.
 */
test('a quiz answers from the keyboard, explains, and remembers the answer', async ({ page }) => {
  await page.goto('/lessons/04-running-a-web-server/');
  const quiz = page.locator('layerlab-quiz', { hasText: 'which number is the port nginx listens on' });
  const options = quiz.getByRole('button').filter({ hasNotText: 'Try again' });
  await expect(options).toHaveCount(3);
  await expect(quiz.getByText('It is always HOST:CONTAINER')).toBeHidden();

  // Keyboard only: focus the first option, arrow down to the second, choose it with Enter.
  await options.first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(options.nth(1)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(quiz.getByRole('status')).toHaveText('Right.');
  await expect(quiz.getByText('It is always HOST:CONTAINER')).toBeVisible();
  await expect(options.nth(1)).toHaveAttribute('data-state', 'right');
  await expect(options.nth(1)).toHaveAccessibleName(/your answer: right/);

  await page.reload();
  await expect(quiz.getByRole('status')).toHaveText('Right.');

  await quiz.getByRole('button', { name: 'Try again' }).click();
  await expect(quiz.getByText('It is always HOST:CONTAINER')).toBeHidden();
  // A first wrong answer gets a second try: the answer stays hidden.
  await options.first().click();
  await expect(quiz.getByRole('status')).toHaveText('Not quite, try again.');
  await expect(options.first()).toHaveAttribute('data-state', 'wrong');
  await expect(options.nth(1)).not.toHaveAttribute('data-state');
  await expect(quiz.getByText('It is always HOST:CONTAINER')).toBeHidden();
  // A second wrong one shows it.
  await options.nth(2).click();
  await expect(quiz.getByRole('status')).toHaveText('Not quite: the answer is B.');
  await expect(options.first()).toHaveAttribute('data-state', 'wrong');
  await expect(options.nth(2)).toHaveAttribute('data-state', 'wrong');
  await expect(options.nth(1)).toHaveAttribute('data-state', 'right');
  await expect(quiz.getByText('It is always HOST:CONTAINER')).toBeVisible();
});

test('a predict-the-output quiz shows the command and outputs, with feedback per option', async ({ page }) => {
  await page.goto('/lessons/01-your-first-image/');
  const quiz = page.locator('layerlab-quiz').first();
  await expect(quiz).toContainText('Quick check');
  await quiz.getByRole('button', { name: /three stopped containers/ }).click();
  // The chosen option's own sentence at once; the explanation once the learner asks for the answer.
  await expect(quiz.getByText('That is what you would have without --rm')).toBeVisible();
  await expect(quiz.getByText('One build, one image.')).toBeHidden();
  await quiz.getByRole('button', { name: 'Show the answer' }).click();
  await expect(quiz.getByRole('status')).toHaveText('Not quite: the answer is A.');
  await expect(quiz.getByText('One build, one image.')).toBeVisible();

  await page.goto('/lessons/03-images-and-containers/');
  const predict = page.locator('layerlab-quiz[data-predict]').first();
  await expect(predict).toContainText('Predict the output');
  await expect(predict.getByLabel('The command')).toHaveText('$ docker run --name second visitors');
  await expect(predict.locator('pre.output').nth(1)).toHaveText('<ID of first> was here\n<ID of second> was here');
});
