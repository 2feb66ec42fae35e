import { describeConsumerSecretStore } from './consumer-secret-store.contract.js';
import { FakeConsumerSecretStore } from './fake-consumer-secret-store.js';

describeConsumerSecretStore('in-memory fake', async () => {
  const store = new FakeConsumerSecretStore();
  return {
    store,
    namespace: 'client-ns',
    plant: async (name, labels) => store.plant('client-ns', name, labels),
    plantLabel: async (name, key, value) => {
      const secret = store.secrets.get(`client-ns/${name}`)!;
      store.secrets.set(`client-ns/${name}`, { ...secret, labels: { ...secret.labels, [key]: value } });
    },
    read: async (name) => store.secrets.get(`client-ns/${name}`),
    cleanup: async () => undefined,
  };
});
