import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeManifestProblem, loadManifests } from '../../../../src/adapters/config/manifest-loader.js';

describe('adapters/config/manifest-loader', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesitis-manifests-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (path: string, text: string): Promise<string> => {
    const file = join(dir, path);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, text);
    return file;
  };

  const configMap = (name: string, namespace?: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}`;

  it('reads a directory recursively, in name order, only .yaml, .yml and .json files', async () => {
    await write('b.yaml', configMap('from-b'));
    await write('a/z.yml', configMap('from-a-z'));
    await write('c.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-c' } }));
    await write('notes.txt', configMap('from-txt'));
    await write('README.md', '# not a manifest');
    const loaded = await loadManifests([dir], 'provider-ns');
    expect(loaded.problems).to.deep.equal([]);
    expect(loaded.objects.map((o) => o.metadata.name)).to.deep.equal(['from-a-z', 'from-b', 'from-c']);
  });

  it('reads a file named directly whatever its extension', async () => {
    const file = await write('manifest.txt', configMap('named'));
    expect((await loadManifests([file], 'ns')).objects.map((o) => o.metadata.name)).to.deep.equal(['named']);
  });

  it('reads every document of a multi-document file and skips empty ones', async () => {
    await write('all.yaml', `---\n${configMap('one')}---\n# only a comment\n---\n${configMap('two')}---\n`);
    expect((await loadManifests([dir], 'ns')).objects.map((o) => o.metadata.name)).to.deep.equal(['one', 'two']);
  });

  it('flattens a List into its items', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'second' } }] };
    await write('list.json', JSON.stringify(list));
    const { objects } = await loadManifests([dir], 'ns');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal(['ConfigMap/first', 'Secret/second']);
  });

  it('gives namespaced objects without a namespace the default one, and leaves the rest alone', async () => {
    await write('m.yaml', `${configMap('defaulted')}---\n${configMap('explicit', 'other-ns')}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: api-ns\n`);
    const { objects } = await loadManifests([dir], 'provider-ns');
    expect(objects.map((o) => o.metadata.namespace)).to.deep.equal(['provider-ns', 'other-ns', undefined]);
  });

  it('names the file and document index of a YAML error, and still reads the other documents', async () => {
    const file = await write('bad.yaml', `${configMap('good')}---\nkind: [\n`);
    const loaded = await loadManifests([dir], 'ns');
    expect(loaded.objects.map((o) => o.metadata.name)).to.deep.equal(['good']);
    expect(loaded.problems).to.have.length(1);
    expect(loaded.problems[0]).to.include({ file, index: 1 });
    expect(describeManifestProblem(loaded.problems[0]!)).to.match(/bad\.yaml \[document 1\]: .*\(line \d+\)$/);
  });

  it('reports a document that is not a Kubernetes object', async () => {
    const file = await write('odd.yaml', `${configMap('good')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n---\n- just\n- a list\n`);
    const { problems } = await loadManifests([dir], 'ns');
    expect(problems).to.deep.equal([
      { file, index: 1, message: 'object has no metadata.name' },
      { file, index: 2, message: 'object is not a mapping' },
    ]);
  });

  it('reports the second definition of the same object and keeps the first', async () => {
    await write('a.yaml', `${configMap('twice')}data:\n  from: a\n`);
    const second = await write('b.yaml', `${configMap('twice')}data:\n  from: b\n`);
    const { objects, problems } = await loadManifests([dir], 'ns');
    expect(objects.map((o) => o['data'])).to.deep.equal([{ from: 'a' }]);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ file: second });
    expect(problems[0]!.message).to.include('a.yaml');
  });

  it('reports a path that does not exist', async () => {
    const missing = join(dir, 'missing');
    expect((await loadManifests([missing], 'ns')).problems).to.deep.equal([{ file: missing, message: 'cannot be read (ENOENT)' }]);
  });
});
