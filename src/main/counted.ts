/** "1 problem", "2 problems", "0 problems": a count with its noun in the right number. */
export const counted = (count: number, singular: string, plural: string): string =>
  `${count} ${count === 1 ? singular : plural}`;
